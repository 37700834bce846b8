# RUN: %python %s %t
#
# Tests the float functions a transformer spends its time on besides its
# products, run through eq-run against NumPy in float64:
# - exp (--eqq-expand-math's polynomial, scalar and 16-lane code alike):
#   within 1 ulp of the exact value on 2^20 points of [-87, 88] (where
#   results are normal floats), exact at 0, and the edges: -inf and very
#   negative inputs give 0, +inf and inputs past 88.73 give +inf, NaN stays
#   NaN;
# - sums, maxima and minima along rows (--eqq-vectorize-elementwise's row
#   reductions, 16 partial results per row): rows of 1, 5, 16, 37 and 384
#   elements (a masked tail, a single lane, none), maxima and minima equal
#   to NumPy's (a NaN in a row gives NaN), sums within the rounding bound
#   n * 2^-24 * sum |x|;
# - a softmax along rows of 128 (a maximum, exp, a sum, a division; then
#   doubled, so that every step writes a buffer of its own and
#   --eqq-fuse-row-loops runs them as one loop nest, row by row) within
#   4e-7 relative of float64, on one and two threads.

import os
import subprocess
import sys

import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(0)
failures = 0
checks = 0


def run(*cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("FAILED: %s\n%s" % (" ".join(cmd), p.stderr))


def ty(shape):
    return "tensor<" + "x".join(map(str, shape)) + "xf32>"


def check(ok, what):
    global failures, checks
    checks += 1
    if not ok:
        failures += 1
        print("FAIL", what)


def eq_run(name, text, inputs, outputs, threads=1):
    base = os.path.join(out, name)
    with open(base + ".mlir", "w") as f:
        f.write(text)
    args = ["eq-run", base + ".mlir", "--num-threads", str(threads)]
    for i, a in enumerate(inputs):
        np.save("%s.in%d.npy" % (base, i), a)
        args += ["--input", "%s.in%d.npy" % (base, i)]
    for i in range(outputs):
        args += ["--output", "%s.out%d.npy" % (base, i)]
    run(*args)
    return [np.load("%s.out%d.npy" % (base, i)) for i in range(outputs)]


# exp, elementwise over a 1-D tensor (16-lane loop and a scalar tail).
n = (1 << 20) + 9
x = rng.uniform(-87.0, 88.0, n).astype(np.float32)
x[:9] = [0.0, -0.0, 1.0, -1.0, 1e-8, -1e-8, 0.5, -0.5, 88.0]
edges = np.array([-np.inf, -1000.0, -104.0, np.inf, 1000.0, 88.73, np.nan], np.float32)
exp_module = """#id = affine_map<(d0) -> (d0)>
func.func @forward(%x: T) -> T {
  %e = tensor.empty() : T
  %y = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%x : T) outs(%e : T) {
  ^bb0(%a: f32, %o: f32):
    %v = math.exp %a : f32
    linalg.yield %v : f32
  } -> T
  return %y : T
}
"""
(y,) = eq_run("exp", exp_module.replace("T", ty([n])), [x], 1)
exact = np.exp(x.astype(np.float64))
ulps = np.abs(y - exact) / np.spacing(exact.astype(np.float32)).astype(np.float64)
print("exp: max error %.3f ulp, mean %.3f" % (ulps.max(), ulps.mean()))
check(ulps.max() <= 1.0, "exp: %.3f ulp at x = %r" % (ulps.max(), x[ulps.argmax()]))
check(y[0] == 1.0 and y[1] == 1.0, "exp(0) = %r, exp(-0) = %r" % (y[0], y[1]))
(e,) = eq_run("exp-edges", exp_module.replace("T", ty([len(edges)])), [edges], 1)
want = [0.0, 0.0, 0.0, np.inf, np.inf, np.inf]
check(list(e[:6]) == want and np.isnan(e[6]), "exp edges %r" % list(e))

# Row reductions: sum of squares, maximum and minimum along the last axis.
reduce_module = """#x = affine_map<(d0, d1) -> (d0, d1)>
#o = affine_map<(d0, d1) -> (d0)>
func.func @forward(%x: X) -> (O, O, O) {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %pinf = arith.constant 0x7F800000 : f32
  %e = tensor.empty() : O
  %z = linalg.fill ins(%zero : f32) outs(%e : O) -> O
  %lo = linalg.fill ins(%ninf : f32) outs(%e : O) -> O
  %hi = linalg.fill ins(%pinf : f32) outs(%e : O) -> O
  %s = linalg.generic {indexing_maps = [#x, #o], iterator_types = ["parallel", "reduction"]} ins(%x : X) outs(%z : O) {
  ^bb0(%a: f32, %acc: f32):
    %q = arith.mulf %a, %a : f32
    %r = arith.addf %q, %acc : f32
    linalg.yield %r : f32
  } -> O
  %mx = linalg.generic {indexing_maps = [#x, #o], iterator_types = ["parallel", "reduction"]} ins(%x : X) outs(%lo : O) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.maximumf %acc, %a : f32
    linalg.yield %r : f32
  } -> O
  %mn = linalg.generic {indexing_maps = [#x, #o], iterator_types = ["parallel", "reduction"]} ins(%x : X) outs(%hi : O) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.minimumf %a, %acc : f32
    linalg.yield %r : f32
  } -> O
  return %s, %mx, %mn : O, O, O
}
"""
for cols in (1, 5, 16, 37, 384):
    rows = 7
    x = (rng.standard_normal((rows, cols)) * 3).astype(np.float32)
    x[3, cols // 2] = np.nan
    s, mx, mn = eq_run("rows%d" % cols, reduce_module.replace("X", ty([rows, cols])).replace(
        "O", ty([rows])), [x], 3)
    x64 = x.astype(np.float64)
    exact = (x64 ** 2).sum(1)
    bound = cols * 2.0 ** -24 * exact
    fine = np.arange(rows) != 3
    check(np.all(np.abs(s[fine] - exact[fine]) <= bound[fine]) and np.isnan(s[3]),
          "row sums of %d: errors %r, bounds %r" % (cols, np.abs(s - exact), bound))
    check(np.array_equal(mx, x.max(1), equal_nan=True), "row maxima of %d: %r vs %r" % (
        cols, mx, x.max(1)))
    check(np.array_equal(mn, x.min(1), equal_nan=True), "row minima of %d: %r vs %r" % (
        cols, mn, x.min(1)))

# A softmax along rows of 128, as a transformer's attention computes it.
softmax_module = """#x = affine_map<(d0, d1) -> (d0, d1)>
#o = affine_map<(d0, d1) -> (d0)>
func.func @forward(%x: X) -> X {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %er = tensor.empty() : O
  %ex = tensor.empty() : X
  %lo = linalg.fill ins(%ninf : f32) outs(%er : O) -> O
  %mx = linalg.generic {indexing_maps = [#x, #o], iterator_types = ["parallel", "reduction"]} ins(%x : X) outs(%lo : O) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.maximumf %a, %acc : f32
    linalg.yield %r : f32
  } -> O
  %p = linalg.generic {indexing_maps = [#x, #o, #x], iterator_types = ["parallel", "parallel"]} ins(%x, %mx : X, O) outs(%ex : X) {
  ^bb0(%a: f32, %m: f32, %o: f32):
    %d = arith.subf %a, %m : f32
    %v = math.exp %d : f32
    linalg.yield %v : f32
  } -> X
  %z = linalg.fill ins(%zero : f32) outs(%er : O) -> O
  %s = linalg.generic {indexing_maps = [#x, #o], iterator_types = ["parallel", "reduction"]} ins(%p : X) outs(%z : O) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.addf %a, %acc : f32
    linalg.yield %r : f32
  } -> O
  %y = linalg.generic {indexing_maps = [#x, #o, #x], iterator_types = ["parallel", "parallel"]} ins(%p, %s : X, O) outs(%ex : X) {
  ^bb0(%a: f32, %t: f32, %o: f32):
    %v = arith.divf %a, %t : f32
    linalg.yield %v : f32
  } -> X
  %ez = tensor.empty() : X
  %z2 = linalg.generic {indexing_maps = [#x, #x], iterator_types = ["parallel", "parallel"]} ins(%y : X) outs(%ez : X) {
  ^bb0(%a: f32, %o: f32):
    %v = arith.addf %a, %a : f32
    linalg.yield %v : f32
  } -> X
  return %z2 : X
}
"""
x = (rng.standard_normal((12 * 128, 128)) * 4).astype(np.float32)
x[:, 100:] = -10000.0  # masked keys, as an additive attention mask writes them
softmax_text = softmax_module.replace("X", ty(x.shape)).replace("O", ty([x.shape[0]]))
(y,) = eq_run("softmax", softmax_text, [x], 1)
(y2,) = eq_run("softmax2", softmax_text, [x], 1, threads=2)
check(np.array_equal(y, y2), "softmax: 2 threads differ from 1")
# One loop nest: the maximum, exp, sum, division and doubling fused.
lowered = subprocess.run(["eq-opt", os.path.join(out, "softmax.mlir"),
                          "--eqq-lower-to-llvm=threads=1",
                          "--mlir-print-ir-after=eqq-fuse-row-loops", "-o", os.devnull],
                         capture_output=True, text=True)
nests = lowered.stderr.count("scf.parallel")
check(lowered.returncode == 0 and nests == 1, "softmax: %d loop nests after fusion" % nests)
x64 = x.astype(np.float64)
p = np.exp(x64 - x64.max(1, keepdims=True))
ref = 2 * p / p.sum(1, keepdims=True)
err = np.abs(y - ref).max() / ref.max()
print("softmax: max error %.2e of the largest probability" % err)
check(err <= 4e-7 and np.all(y[:, 100:] == 0), "softmax: error %.2e" % err)

print("%d passed, %d failed" % (checks - failures, failures))
sys.exit(1 if failures else 0)
