#!/usr/bin/python3
"""eq_plot: plot one layer's per-channel input and weight-column ranges
before and after input-weight equalization, as a PNG.

The data come from two files written by ``eq-opt``:

- the calibration statistics (``--eqq-calibrate="... stats-out=STATS.json"``):
  the input-equalization observer of each equalized layer holds the per-channel
  min/max of the layer's input (``"observers"``, ``"op":
  "eqq.input_eq_observer"``), and its weight-equalization observer the min/max
  of each input column ``W[:, j]`` of the weight (``"weights"``, ``"op":
  "eqq.weight_eq_observer"``), both in program order;
- the recipe (``--eqq-convert="recipe=RECIPE.json"``): the layers in program
  order, whether each is equalized and its ``equalization_scale`` s.

The k-th equalized layer of the recipe is the k-th input- and
weight-equalization observer of the statistics file (layers and observers are
both in program order); the channel counts, and the weight's rank against the
layer kind, must agree. Both files must come from the same prepared module
(with one public function, or the calibrated one the only function with
equalized layers).

"Before" is what was calibrated: per input channel j, the input range
``[min_j, max_j]`` and the weight column range ``[min W[:, j], max W[:, j]]``.
"After" is the same with this layer's scale applied: ``x_j * s_j`` and
``W[:, j] / s_j`` (s > 0, so the bounds scale). A scale that a following layer
folds into this layer's rows is not part of the picture (it changes this
layer's outputs, not its input channels).

The title gives, for the input and for the weight columns, the spread
``max_j range_j / min_j range_j`` (range = max - min; channels whose range is 0,
e.g. constant inputs, are left out of the ratio) before and after.

usage::

    /usr/bin/python3 tools/eq-plot/eq_plot.py --stats STATS.json --recipe RECIPE.json \\
        [--layer NAME] [--yscale symlog|linear] [--size 900x450] -o OUT.png
    /usr/bin/python3 tools/eq-plot/eq_plot.py --stats STATS.json --recipe RECIPE.json --list

Without ``--layer`` the equalized layer with the widest spread of input ranges
is plotted. Errors (a missing or malformed file, an unknown or non-equalized
layer, files that do not belong together) exit with status 1 and a message, and
leave no output file (the PNG is written to a temporary file and renamed).
Needs matplotlib (Debian: ``python3-matplotlib``).
"""

import argparse
import json
import math
import os
import sys
import tempfile

__all__ = ["PlotError", "LayerRanges", "load_layers", "select_layer", "render", "main"]

STATS_FORMAT = "eqquant-stats/1"
RECIPE_FORMAT = "eqquant-recipe/1"
# The weight rank of each layer kind (linear: (out, in); conv: (out, in, k...)).
WEIGHT_RANK = {"linear": 2, "conv1d": 3, "conv2d": 4, "conv3d": 5}


class PlotError(Exception):
    """A problem with the inputs; the message is meant for the user."""


def _load_json(path, what):
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        raise PlotError("%s file '%s' does not exist" % (what, path)) from None
    except OSError as e:
        raise PlotError("cannot read the %s file '%s': %s" % (what, path, e.strerror or e)) from None
    except UnicodeDecodeError as e:
        raise PlotError("%s: not a text (UTF-8) file: %s" % (path, e)) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise PlotError("%s:%d:%d: malformed JSON in the %s file: %s"
                        % (path, e.lineno, e.colno, what, e.msg)) from None


def _number(v):
    """A JSON number, or one of the strings EqQuant writes for non-finite
    numbers ("inf", "-inf", "nan")."""
    if isinstance(v, bool):
        raise ValueError
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str) and v in ("inf", "-inf", "nan"):
        return float(v)
    raise ValueError


def _numbers(obj, key, where):
    v = obj.get(key) if isinstance(obj, dict) else None
    if not isinstance(v, list):
        raise PlotError("%s: '%s' must be an array of numbers" % (where, key))
    try:
        return [_number(x) for x in v]
    except ValueError:
        raise PlotError("%s: '%s' must be an array of numbers" % (where, key)) from None


def _spread(lo, hi):
    """max range / min range over the channels whose range is positive
    (nan if none)."""
    r = [b - a for a, b in zip(lo, hi) if math.isfinite(b - a) and b - a > 0]
    return max(r) / min(r) if r else float("nan")


class LayerRanges:
    """One layer of the recipe, with its calibrated ranges when equalized."""

    def __init__(self, name, kind, equalized, applied):
        self.name, self.kind, self.equalized, self.applied = name, kind, equalized, applied
        self.scale = self.x_min = self.x_max = self.w_min = self.w_max = None

    @property
    def channels(self):
        return len(self.scale) if self.scale is not None else 0

    def after(self):
        """(x_min, x_max, w_min, w_max) with the scale applied."""
        s = self.scale
        return ([a * c for a, c in zip(self.x_min, s)], [b * c for b, c in zip(self.x_max, s)],
                [a / c for a, c in zip(self.w_min, s)], [b / c for b, c in zip(self.w_max, s)])

    def spreads(self):
        """Input and weight-column spreads, before and after:
        ((input before, input after), (weight before, weight after))."""
        xa, xb, wa, wb = self.after()
        return ((_spread(self.x_min, self.x_max), _spread(xa, xb)),
                (_spread(self.w_min, self.w_max), _spread(wa, wb)))


def load_layers(stats_path, recipe_path):
    """The recipe's layers, the equalized ones with their statistics."""
    stats = _load_json(stats_path, "statistics")
    recipe = _load_json(recipe_path, "recipe")
    if not isinstance(stats, dict) or stats.get("format") != STATS_FORMAT:
        raise PlotError("%s: not a statistics file (expected a JSON object with \"format\": \"%s\", "
                        "written by --eqq-calibrate=\"... stats-out=FILE\")" % (stats_path, STATS_FORMAT))
    if not isinstance(recipe, dict) or not isinstance(recipe.get("layers"), list):
        raise PlotError("%s: not a recipe (expected a JSON object with a \"layers\" array, written by "
                        "--eqq-convert=\"recipe=FILE\")" % recipe_path)
    if "format" in recipe and recipe["format"] != RECIPE_FORMAT:
        raise PlotError("%s: unknown recipe format %r (expected \"%s\")"
                        % (recipe_path, recipe["format"], RECIPE_FORMAT))
    observers, weights = stats.get("observers"), stats.get("weights")
    if not isinstance(observers, list) or not isinstance(weights, list):
        raise PlotError("%s: 'observers' and 'weights' must be arrays" % stats_path)

    layers = []
    for i, L in enumerate(recipe["layers"]):
        where = "%s: layer %d" % (recipe_path, i)
        if not isinstance(L, dict) or not isinstance(L.get("name"), str):
            raise PlotError("%s: expected an object with a \"name\"" % where)
        eq = L.get("equalized", False)
        if not isinstance(eq, bool):
            raise PlotError("%s ('%s'): 'equalized' must be true or false" % (where, L["name"]))
        layer = LayerRanges(L["name"], L.get("kind", "?"), eq, L.get("scale_applied", "none"))
        if eq:
            layer.scale = _numbers(L, "equalization_scale", "%s ('%s')" % (where, L["name"]))
            if not all(math.isfinite(s) and s > 0 for s in layer.scale):
                raise PlotError("%s ('%s'): equalization scales must be finite and positive"
                                % (where, L["name"]))
        layers.append(layer)

    in_obs = [o for o in observers if isinstance(o, dict) and o.get("op") == "eqq.input_eq_observer"]
    w_obs = [w for w in weights if isinstance(w, dict) and w.get("op") == "eqq.weight_eq_observer"]
    equalized = [L for L in layers if L.equalized]
    if not (len(in_obs) == len(w_obs) == len(equalized)):
        raise PlotError(
            "%s has %d input-equalization and %d weight-equalization observers (function @%s) but "
            "%s has %d equalized layers; both must come from the same prepared module"
            % (stats_path, len(in_obs), len(w_obs), stats.get("function", "?"), recipe_path,
               len(equalized)))
    for L, xo, wo in zip(equalized, in_obs, w_obs):
        where = "%s: observer %s (layer '%s')" % (stats_path, xo.get("index", "?"), L.name)
        L.x_min = _numbers(xo, "min_val", where)
        L.x_max = _numbers(xo, "max_val", where)
        where = "%s: weight-equalization observer of %s (layer '%s')" % (
            stats_path, wo.get("type", "?"), L.name)
        L.w_min = _numbers(wo, "min_val", where)
        L.w_max = _numbers(wo, "max_val", where)
        sizes = {len(L.scale), len(L.x_min), len(L.x_max), len(L.w_min), len(L.w_max)}
        if len(sizes) != 1:
            raise PlotError(
                "layer '%s': the recipe has %d equalization scales, the statistics %d input channels "
                "and %d weight columns; %s and %s do not belong together"
                % (L.name, len(L.scale), len(L.x_min), len(L.w_min), stats_path, recipe_path))
        wtype = wo.get("type", "")
        rank = wtype.count("x") if isinstance(wtype, str) and wtype.startswith("tensor<") else None
        if L.kind in WEIGHT_RANK and rank is not None and rank != WEIGHT_RANK[L.kind]:
            raise PlotError("layer '%s' is a %s layer but its weight-equalization observer in %s "
                            "observes a %s; %s and %s do not belong together"
                            % (L.name, L.kind, stats_path, wtype, stats_path, recipe_path))
        if any(not math.isfinite(v) for v in L.x_min + L.x_max + L.w_min + L.w_max):
            raise PlotError("layer '%s': the statistics hold non-finite ranges (was the module "
                            "calibrated?)" % L.name)
    return layers


def _describe(layers):
    return ", ".join("%s%s" % (L.name, "" if L.equalized else " (not equalized)") for L in layers)


def select_layer(layers, name=None):
    """The layer called `name`, or the equalized layer with the widest spread
    of input ranges."""
    if not layers:
        raise PlotError("the recipe has no layers")
    if name is not None:
        for L in layers:
            if L.name == name:
                if not L.equalized:
                    eq = [M.name for M in layers if M.equalized]
                    raise PlotError("layer '%s' is not equalized (scale_applied: %s); equalized "
                                    "layers: %s" % (name, L.applied, ", ".join(eq) or "none"))
                return L
        raise PlotError("unknown layer '%s'; the recipe's layers are: %s" % (name, _describe(layers)))
    best = None
    for L in layers:
        if L.equalized:
            s = L.spreads()[0][0]
            key = s if math.isfinite(s) else -1.0
            if best is None or key > best[0]:
                best = (key, L)
    if best is None:
        raise PlotError("no layer of the recipe is equalized (layers: %s)" % _describe(layers))
    return best[1]


def _fmt_ratio(v):
    return "n/a" if not math.isfinite(v) else ("%.3g" % v)


def render(layer, out_path, size=(900, 450), dpi=100, yscale="symlog"):
    """Write the PNG for `layer` to out_path (through a temporary file)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.patches import Patch
        from matplotlib.ticker import MaxNLocator
    except ImportError as e:
        raise PlotError("matplotlib is needed (Debian: apt-get install python3-matplotlib): %s" % e) from None

    n = layer.channels
    before = (layer.x_min, layer.x_max, layer.w_min, layer.w_max)
    after = layer.after()
    (xs_b, xs_a), (ws_b, ws_a) = layer.spreads()
    x_color, w_color = "#1f77b4", "#ff7f0e"

    fig, axes = plt.subplots(2, 1, sharex=True, sharey=True,
                             figsize=(size[0] / dpi, size[1] / dpi), dpi=dpi)
    width = 0.42
    # Grouped bars while each channel gets at least ~5 pixels.
    bands = n * 5 > 0.9 * size[0]
    alpha = 0.55 if bands else 1.0
    idx = list(range(n))
    for ax, (x_lo, x_hi, w_lo, w_hi), label in zip(
            axes, (before, after), ("before\n[min, max]", "after (x\u00b7s, W/s)\n[min, max]")):
        if bands:
            # Too many channels for a bar each: translucent bands, one step per channel.
            ax.fill_between(idx, x_lo, x_hi, step="mid", color=x_color, alpha=alpha, linewidth=0)
            ax.fill_between(idx, w_lo, w_hi, step="mid", color=w_color, alpha=alpha, linewidth=0)
        else:
            # Edges in the face color keep zero-height ranges (constant channels) visible.
            ax.bar([j - width / 2 for j in idx], [b - a for a, b in zip(x_lo, x_hi)], bottom=x_lo,
                   width=width, color=x_color, edgecolor=x_color, linewidth=0.6, align="center")
            ax.bar([j + width / 2 for j in idx], [b - a for a, b in zip(w_lo, w_hi)], bottom=w_lo,
                   width=width, color=w_color, edgecolor=w_color, linewidth=0.6, align="center")
        ax.axhline(0.0, color="0.4", linewidth=0.5, zorder=0)
        ax.grid(axis="y", color="0.88", linewidth=0.6, zorder=0)
        ax.set_axisbelow(True)
        ax.set_ylabel(label, fontsize=9)
        ax.tick_params(labelsize=8)
    axes[1].set_xlim(-0.7, n - 0.3)

    values = [v for seq in before + after for v in seq if math.isfinite(v)]
    lo, hi = min(values + [0.0]), max(values + [0.0])
    note = ""
    if yscale == "symlog":
        # Linear around 0 below the smaller magnitudes, logarithmic above.
        mags = sorted(abs(v) for v in values if v != 0)
        linthresh = 10.0 ** math.floor(math.log10(mags[len(mags) // 20])) if mags else 1.0
        for ax in axes:
            ax.set_yscale("symlog", linthresh=linthresh, linscale=0.5)
        # Room of a fifth of a decade beyond the extremes.
        axes[0].set_ylim(lo * 1.6 if lo < -linthresh else -linthresh,
                         hi * 1.6 if hi > linthresh else linthresh)
        note = "symlog scale: linear for |v| < %g" % linthresh
    else:
        pad = 0.05 * (hi - lo) if hi > lo else 1.0
        axes[0].set_ylim(lo - pad, hi + pad)
    axes[1].set_xlabel("input channel j (of %d)" % n, fontsize=9)
    axes[1].xaxis.set_major_locator(MaxNLocator(nbins=16, integer=True))
    if note:
        fig.text(0.99, 0.015, note, ha="right", va="bottom", fontsize=7.5, color="0.35")

    left = 0.095
    fig.suptitle("%s (%s): per-channel ranges before and after equalization"
                 % (layer.name, layer.kind), fontsize=11, y=0.985)
    fig.text(left, 0.905,
             "max/min channel range:  input %s \u2192 %s,  weight columns %s \u2192 %s"
             % (_fmt_ratio(xs_b), _fmt_ratio(xs_a), _fmt_ratio(ws_b), _fmt_ratio(ws_a)),
             ha="left", va="center", fontsize=9)
    fig.legend(handles=[Patch(color=x_color, alpha=alpha, label="input x[:, j]"),
                        Patch(color=w_color, alpha=alpha, label="weight column W[:, j]")],
               loc="center right", bbox_to_anchor=(0.99, 0.905), fontsize=8.5, ncol=2,
               frameon=False, handlelength=1.2, columnspacing=1.2)
    fig.subplots_adjust(left=left, right=0.99, top=0.865, bottom=0.11, hspace=0.08)

    try:
        _write_png(fig, out_path, dpi)
    finally:
        plt.close(fig)


def _write_png(fig, out_path, dpi):
    """Save through a temporary file in the same directory, renamed over
    out_path: no partial file when anything fails."""
    out_dir = os.path.dirname(os.path.abspath(out_path))
    if not os.path.isdir(out_dir):
        raise PlotError("cannot write '%s': directory '%s' does not exist" % (out_path, out_dir))
    if os.path.isdir(out_path):
        raise PlotError("cannot write '%s': it is a directory" % out_path)
    try:
        fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(out_path) + ".", suffix=".tmp",
                                   dir=out_dir)
    except OSError as e:
        raise PlotError("cannot write '%s': %s" % (out_path, e.strerror or e)) from None
    try:
        with os.fdopen(fd, "wb") as f:
            # No "Software" text chunk: the same data give the same bytes.
            fig.savefig(f, format="png", dpi=dpi, metadata={"Software": None})
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, out_path)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError):
            raise PlotError("cannot write '%s': %s" % (out_path, e.strerror or e)) from None
        raise


def _parse_size(text):
    try:
        w, h = text.lower().split("x")
        w, h = int(w), int(h)
        if w < 200 or h < 150:
            raise ValueError
        return w, h
    except ValueError:
        raise argparse.ArgumentTypeError("expected WIDTHxHEIGHT in pixels, at least 200x150, "
                                         "e.g. 900x450") from None


def main(argv=None):
    p = argparse.ArgumentParser(
        prog="eq_plot.py",
        description="Plot one layer's per-channel input and weight-column ranges before and after "
                    "input-weight equalization (PNG), from eq-opt's calibration statistics and recipe.")
    p.add_argument("--stats", required=True, metavar="STATS.json",
                   help="statistics from --eqq-calibrate=\"... stats-out=STATS.json\"")
    p.add_argument("--recipe", required=True, metavar="RECIPE.json",
                   help="recipe from --eqq-convert=\"recipe=RECIPE.json\" (same prepared module)")
    p.add_argument("--layer", default=None, metavar="NAME",
                   help="layer to plot (default: the equalized layer with the widest spread of "
                        "input ranges)")
    p.add_argument("--list", action="store_true",
                   help="print the layers and their spreads instead of plotting")
    p.add_argument("--yscale", choices=("symlog", "linear"), default="symlog",
                   help="value axis: symlog (logarithmic away from 0; default) or linear")
    p.add_argument("--size", type=_parse_size, default=(900, 450), metavar="WxH",
                   help="image size in pixels (default 900x450)")
    p.add_argument("-o", "--output", metavar="OUT.png", help="the PNG to write")
    args = p.parse_args(argv)
    try:
        if not args.list and not args.output:
            raise PlotError("give -o OUT.png (or --list)")
        layers = load_layers(args.stats, args.recipe)
        if args.list:
            for L in layers:
                if L.equalized:
                    (xb, xa), (wb, wa) = L.spreads()
                    print("%s %s equalized channels=%d applied=%s input %s -> %s weight %s -> %s"
                          % (L.name, L.kind, L.channels, L.applied, _fmt_ratio(xb), _fmt_ratio(xa),
                             _fmt_ratio(wb), _fmt_ratio(wa)))
                else:
                    print("%s %s not-equalized" % (L.name, L.kind))
            return 0
        layer = select_layer(layers, args.layer)
        render(layer, args.output, size=args.size, yscale=args.yscale)
        (xb, xa), (wb, wa) = layer.spreads()
        print("%s: %d input channels; max/min channel range: input %s -> %s, weight columns %s -> %s; "
              "wrote %s" % (layer.name, layer.channels, _fmt_ratio(xb), _fmt_ratio(xa),
                            _fmt_ratio(wb), _fmt_ratio(wa), args.output))
        return 0
    except PlotError as e:
        print("eq_plot: error: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
