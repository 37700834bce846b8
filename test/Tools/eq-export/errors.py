# Tests that eq_export refuses what it cannot export with an ExportError that
# names the fx node and the op, through the API (one process), and that the
# CLI exits non-zero with the message and leaves no output file.
#
# RUN: %python %s | FileCheck %s
# RUN: rm -f %t.mlir
# RUN: not %eq_export --module %S/Inputs/bad_models.py:GroupedConv --input-shape 1x4x6 -o %t.mlir 2>&1 | FileCheck %s --check-prefix=CLI
# RUN: test ! -e %t.mlir
# CLI: eq_export: error: node 'conv' (call_module conv (torch.nn.modules.conv.Conv1d)): grouped convolution (groups=2) is only supported for conv2d, not conv1d

import io
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "..", "tools", "eq-export"))
sys.path.insert(0, os.path.join(here, "Inputs"))

import torch  # noqa: E402

import bad_models as bm  # noqa: E402
from eq_export import ExportError, export_module, main  # noqa: E402


def attempt(label, model, inputs, **kw):
    try:
        export_module(model, inputs, **kw)
        print("%s: exported" % label)
    except ExportError as e:
        print("%s: %s" % (label, e))


attempt("grouped", bm.GroupedConv(), (torch.rand(1, 4, 6),))
# CHECK: grouped: node 'conv' (call_module conv (torch.nn.modules.conv.Conv1d)): grouped convolution (groups=2) is only supported for conv2d, not conv1d
attempt("grouped-channels", torch.nn.Conv2d(4, 6, 3, groups=2), (torch.rand(1, 6, 6, 6),))
# CHECK: grouped-channels: node 'conv2d' (call_function torch.conv2d): running it on the example inputs failed: RuntimeError: Given groups=2, weight of size [6, 2, 3, 3], expected input[1, 6, 6, 6] to have 4 channels, but got 6 channels instead
attempt("batchnorm-training", bm.ConvBatchNorm(), (torch.rand(2, 3, 6, 6),))
# CHECK: batchnorm-training: node 'bn' (call_module bn (torch.nn.modules.batchnorm.BatchNorm2d)): BatchNorm2d is in training mode (it would use and update batch statistics); call model.eval() before exporting
attempt("batchnorm-batch-stats", bm.BatchStatsNorm().eval(), (torch.rand(2, 3, 6, 6),))
# CHECK: batchnorm-batch-stats: node 'bn' (call_module bn (torch.nn.modules.batchnorm.BatchNorm2d)): BatchNorm2d has no running statistics (track_running_stats=False normalizes with batch statistics)
attempt("batchnorm-functional", bm.FunctionalTrainingNorm(), (torch.rand(2, 3, 6, 6),))
# CHECK: batchnorm-functional: node 'batch_norm' (call_function torch.nn.functional.batch_norm): batch_norm with training=True (batch statistics) is not supported; export the model in eval mode
attempt("exp", bm.Exp(), (torch.rand(2, 5),))
# CHECK: exp: node 'exp' (call_function torch.exp): unsupported function torch.exp
attempt("mish", bm.Mish(), (torch.rand(1, 3, 4, 4),))
# CHECK: mish: node 'act' (call_module act (torch.nn.modules.activation.Mish)): unsupported module type Mish (eq_export handles linear, conv1d/2d/3d (grouped and depthwise conv2d), batch norm (eval), relu, relu6/hardtanh/clamp, hardswish, hardsigmoid, sigmoid, silu, tanh, gelu (erf and tanh forms), layer norm, softmax, max/avg/adaptive-avg pool2d, mean, sum, cat, add/sub/mul/div, matmul/bmm of two tensors, transpose/permute, slicing, flatten/view/reshape/unsqueeze/squeeze, expand, embedding, comparisons, masked_fill/where, logical not/and/or, dtype conversions, identity, dropout and stochastic depth, chunk/split/unbind (indexed or unpacked))
attempt("softmax-no-dim", bm.SoftmaxNoDim(), (torch.rand(2, 5),))
# CHECK: softmax-no-dim: node 'sm' (call_module sm (torch.nn.modules.activation.Softmax)): nn.Softmax without dim is not supported (give dim)
attempt("matmul-vector", bm.MatmulVector(), (torch.rand(5, 5),))
# CHECK: matmul-vector: node 'matmul' (call_function torch.matmul): matmul of a 1-D tensor is not supported (shapes [5, 5], [5])
attempt("embedding-max-norm", bm.EmbeddingMaxNorm(), (torch.tensor([[1, 2]]),))
# CHECK: embedding-max-norm: node 'emb' (call_module emb (torch.nn.modules.sparse.Embedding)): embedding with max_norm is not supported (it renormalizes the table in place)
attempt("bitwise-int", bm.BitwiseInt(), (torch.tensor([[1, 2]]),))
# CHECK: bitwise-int: node 'and_' (call_function operator.and_): bitwise ~, &, |, ^ of a int64 tensor is not supported (only of bool tensors)
attempt("where-one-arg", bm.WhereOneArg(), (torch.rand(2, 5),))
# CHECK: where-one-arg: node 'where' (call_function torch.where): torch.where(condition) without values is not supported
attempt("masked-fill-tensor", bm.MaskedFillTensor(), (torch.rand(2, 5),))
# CHECK: masked-fill-tensor: node 'masked_fill' (call_method masked_fill): masked_fill with a tensor value is not supported (a number or a 0-d constant is)
attempt("ids-into-cat", bm.IdsIntoCat(), (torch.tensor([[1, 2]]),))
# CHECK: ids-into-cat: node 'cat' (call_function torch.cat): cat operand 'ids' is a tensor of int64; this op takes float32 (convert it with .float() or .long())
attempt("maxpool-indices", bm.MaxPoolIndices(), (torch.rand(1, 3, 4, 4),))
# CHECK: maxpool-indices: node 'pool' (call_module pool (torch.nn.modules.pooling.MaxPool2d)): max_pool2d with return_indices=True is not supported
attempt("maxpool1d", bm.MaxPool1d(), (torch.rand(1, 3, 4),))
# CHECK: maxpool1d: node 'pool' (call_module pool (torch.nn.modules.pooling.MaxPool1d)): unsupported module type MaxPool1d
attempt("unbatched-pool", torch.nn.MaxPool2d(2), (torch.rand(3, 4, 4),))
# CHECK: unbatched-pool: node 'max_pool2d' (call_function torch.nn.functional.max_pool2d): max_pool2d input must have rank 4 (N x C x H x W), got shape [3, 4, 4]
attempt("tensor-clamp", bm.TensorClamp(), (torch.rand(2, 5),))
# CHECK: tensor-clamp: node 'clamp' (call_function torch.clamp): min must be a Python number, got 'Tensor'
attempt("encoder-float-padding-mask", bm.MaskedEncoderLayer().eval(), (torch.rand(3, 1, 8), torch.zeros(1, 3)))
# CHECK: encoder-float-padding-mask: node 'masked_fill' (call_method masked_fill): the condition of where/masked_fill must be a bool tensor (compare or convert it with .bool())
attempt("flip", bm.Flipped(), (torch.rand(2, 5),))
# CHECK: flip: node 'flip' (call_method flip): unsupported method Tensor.flip
attempt("weight-input", bm.WeightInput(), (torch.rand(2, 5), torch.rand(3, 5)))
# CHECK: weight-input: node 'linear' (call_function torch.nn.functional.linear): the weight ('w') is not a compile-time constant
attempt("inplace", bm.InplaceReluReused(), (torch.rand(2, 5),))
# CHECK: inplace: node 'relu' (call_function torch.nn.functional.relu): in-place op mutates 'fc', which is used again later by 'add'
attempt("reflect", bm.ReflectPadConv(), (torch.rand(1, 3, 6, 6),))
# CHECK: reflect: node 'conv' (call_module conv (torch.nn.modules.conv.Conv2d)): padding_mode='reflect' is not supported (only 'zeros')
attempt("control-flow", bm.ControlFlow(), (torch.rand(2, 5),))
# CHECK: control-flow: tracing with torch.fx failed for ControlFlow: symbolically traced variables cannot be used as inputs to control flow
attempt("shape-then-value-branch", bm.DataDependentBranch(), (torch.rand(2, 5),))
# CHECK: shape-then-value-branch: tracing with torch.fx failed for DataDependentBranch: symbolically traced variables cannot be used as inputs to control flow
attempt("chunk-sliced", bm.ChunkSliced(), (torch.rand(2, 4),))
# CHECK: chunk-sliced: node 'getitem' (call_function operator.getitem): the 2 pieces of 'chunk' indexed by slice(1, None, None); an integer index (or unpacking) is supported
attempt("double", bm.DoubleWeights(), (torch.rand(2, 5),))
# CHECK: double: node 'double' (call_method double): unsupported method Tensor.double
attempt("f64-input", torch.nn.ReLU(), (torch.rand(2, 5, dtype=torch.float64),))
# CHECK: f64-input: example input for 'input_1' has dtype torch.float64; float32 (activations), int64 or int32 (token ids, masks) and bool are supported
attempt("f64-weight", torch.nn.Linear(5, 5).double(), (torch.rand(2, 5),))
# CHECK: f64-weight: node 'linear' (call_function torch.nn.functional.linear): running it on the example inputs failed: RuntimeError: mat1 and mat2 must have the same dtype
attempt("arity", torch.nn.ReLU(), (torch.rand(2, 5), torch.rand(2, 5)))
# CHECK: arity: forward takes 1 inputs (input_1) but 2 example inputs were given
attempt("shape", torch.nn.Linear(5, 5), (torch.rand(2, 4),))
# CHECK: shape: node 'linear' (call_function torch.nn.functional.linear): running it on the example inputs failed: RuntimeError: mat1 and mat2 shapes cannot be multiplied (2x4 and 5x5)
attempt("spelling", torch.nn.Linear(5, 5), (torch.rand(2, 5),), linear_spelling="matmul")
# CHECK: spelling: linear_spelling must be one of ('transposed_b', 'transpose_op'), got 'matmul'
attempt("bias", torch.nn.Linear(5, 5), (torch.rand(2, 5),), bias="after")
# CHECK: bias: bias must be one of ('init', 'add'), got 'after'
attempt("unbatched-conv", torch.nn.Conv2d(3, 3, 1), (torch.rand(3, 4, 4),))
# CHECK: unbatched-conv: node 'conv2d' (call_function torch.conv2d): conv2d input must have rank 4 (batched N x C x ...), got shape [3, 4, 4]

# The CLI's own errors, in this process (main(argv) returns the exit code).
bad = os.path.join(here, "Inputs", "bad_models.py")
for label, argv in [
        ("cli-name", ["--module", bad + ":NoSuchModel", "--input-shape", "2x5"]),
        ("cli-file", ["--module", bad + ".missing.py:X", "--input-shape", "2x5"]),
        ("cli-spec", ["--module", bad, "--input-shape", "2x5"]),
        ("cli-shape", ["--module", bad + ":Exp", "--input-shape", "2x5x"]),
        ("cli-no-shape", ["--module", bad + ":Exp"]),
        ("cli-ctor", ["--module", "torch.nn:Linear", "--input-shape", "2x5"]),
        ("cli-state", ["--module", bad + ":Exp", "--input-shape", "2x5", "--state-dict", bad])]:
    saved = sys.stderr
    sys.stderr = io.StringIO()
    try:
        rc = main(argv)
    finally:
        msg, sys.stderr = sys.stderr.getvalue(), saved
    print("%s: rc=%d %s" % (label, rc, msg.strip()))
# CHECK: cli-name: rc=1 eq_export: error: {{.*}}bad_models.py has no attribute 'NoSuchModel'
# CHECK: cli-file: rc=1 eq_export: error: module file not found: {{.*}}bad_models.py.missing.py
# CHECK: cli-spec: rc=1 eq_export: error: --module must be FILE.py:NAME or package.module:NAME
# CHECK: cli-shape: rc=1 eq_export: error: bad --input-shape '2x5x' (expected e.g. 5x5 or 1x3x8x8)
# CHECK: cli-no-shape: rc=1 eq_export: error: give --input-shape (the module has no get_example_inputs())
# CHECK: cli-ctor: rc=1 eq_export: error: constructing torch.nn:Linear failed: TypeError:
# CHECK: cli-state: rc=1 eq_export: error: loading the state dict {{.*}}bad_models.py failed:
