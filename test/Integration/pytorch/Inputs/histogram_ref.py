"""PyTorch 1.13's HistogramObserver without its defect, the reference for
EqQuant's histogram observers.

PyTorch 1.13's HistogramObserver.forward calls torch.histc with
min=int(min_val), max=int(max_val): it histograms the range truncated to
integers (values outside are dropped; fixed in later PyTorch), while the
observer's range is the float one. EqQuant histograms the float range."""

import torch
from torch.ao.quantization.observer import HistogramObserver


class ReferenceHistogramObserver(HistogramObserver):
    """HistogramObserver of PyTorch 1.13 with the defect removed: forward is
    the original's code except that torch.histc gets min=min_val,
    max=max_val (and combined_min/combined_max) instead of int(...)."""

    def forward(self, x_orig: torch.Tensor) -> torch.Tensor:
        if x_orig.numel() == 0:
            return x_orig
        x = x_orig.detach()
        min_val = self.min_val
        max_val = self.max_val
        same_values = min_val.item() == max_val.item()
        is_uninitialized = min_val == float("inf") and max_val == float("-inf")
        if is_uninitialized or same_values:
            min_val, max_val = torch.aminmax(x)
            self.min_val.resize_(min_val.shape)
            self.min_val.copy_(min_val)
            self.max_val.resize_(max_val.shape)
            self.max_val.copy_(max_val)
            assert (
                min_val.numel() == 1 and max_val.numel() == 1
            ), "histogram min/max values must be scalar."
            torch.histc(
                x, self.bins, min=min_val, max=max_val, out=self.histogram  # was int(...)
            )
        else:
            new_min, new_max = torch.aminmax(x)
            combined_min = torch.min(new_min, min_val)
            combined_max = torch.max(new_max, max_val)
            (
                combined_min,
                combined_max,
                downsample_rate,
                start_idx,
            ) = self._adjust_min_max(combined_min, combined_max, self.upsample_rate)
            assert (
                combined_min.numel() == 1 and combined_max.numel() == 1
            ), "histogram min/max values must be scalar."
            combined_histogram = torch.histc(
                x, self.bins, min=combined_min, max=combined_max  # was int(...)
            )
            if combined_min == min_val and combined_max == max_val:
                combined_histogram += self.histogram
            else:
                combined_histogram = self._combine_histograms(
                    combined_histogram,
                    self.histogram,
                    self.upsample_rate,
                    downsample_rate,
                    start_idx,
                    self.bins,
                )

            self.histogram.detach_().resize_(combined_histogram.shape)
            self.histogram.copy_(combined_histogram)
            self.min_val.detach_().resize_(combined_min.shape)
            self.min_val.copy_(combined_min)
            self.max_val.detach_().resize_(combined_max.shape)
            self.max_val.copy_(combined_max)
        return x_orig


def map_histogram_activations(mapping, observer):
    """A QConfigMapping like `mapping` (global and object types) with each
    HistogramObserver activation replaced by `observer(keywords)`, an
    observer constructor built from the HistogramObserver's arguments. Equal
    qconfigs stay one object, as PyTorch's fusion compares them."""
    from torch.ao.quantization import QConfig, QConfigMapping
    replaced = {}

    def fix(qconfig):
        if qconfig is None:
            return None
        if id(qconfig) not in replaced:
            act = qconfig.activation
            if getattr(getattr(act, "p", None), "func", None) is HistogramObserver:
                act = observer(act.p.keywords)
            replaced[id(qconfig)] = QConfig(activation=act, weight=qconfig.weight)
        return replaced[id(qconfig)]

    result = QConfigMapping().set_global(fix(mapping.global_qconfig))
    for key, qconfig in mapping.object_type_qconfigs.items():
        result.set_object_type(key, fix(qconfig))
    return result


def reference_mapping(mapping):
    """`mapping` with each HistogramObserver activation replaced by
    ReferenceHistogramObserver with the same arguments."""
    return map_histogram_activations(
        mapping, lambda keywords: ReferenceHistogramObserver.with_args(**keywords))
