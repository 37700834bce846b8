// Invalid configuration files: each one makes --eqq-prepare fail with one
// error located in the JSON file, whose message names the offending key (its
// path from the top) and its line.

// Tests that malformed JSON (a trailing comma) is an error at its line.
// RUN: not eq-opt %s --eqq-prepare="config=%S/Inputs/bad-malformed.json" 2>&1 | FileCheck %s --check-prefix=MALFORMED
// MALFORMED: {{.*}}Inputs/bad-malformed.json:3:41: error: invalid config (line 3): malformed JSON: expected a string key, found '}'
// MALFORMED-NOT: func.func

// Tests that a key given twice in one object is an error naming it.
// RUN: not eq-opt %s --eqq-prepare="config=%S/Inputs/bad-duplicate-key.json" 2>&1 | FileCheck %s --check-prefix=DUPLICATE
// DUPLICATE: {{.*}}Inputs/bad-duplicate-key.json:3:3: error: invalid config (line 3): malformed JSON: duplicate key "qconfig"
// DUPLICATE-NOT: func.func

// Tests that a document that is not an object is an error.
// RUN: not eq-opt %s --eqq-prepare="config=%S/Inputs/bad-not-object.json" 2>&1 | FileCheck %s --check-prefix=NOTOBJECT
// NOTOBJECT: {{.*}}Inputs/bad-not-object.json:1:1: error: invalid config (line 1): the configuration must be a JSON object, found an array
// NOTOBJECT-NOT: func.func

// Tests that an unknown top-level key (a misspelled `equalization`) is an error
// naming it and its line.
// RUN: not eq-opt %s --eqq-prepare="config=%S/Inputs/bad-unknown-key.json" 2>&1 | FileCheck %s --check-prefix=UNKNOWNKEY
// UNKNOWNKEY: {{.*}}Inputs/bad-unknown-key.json:5:3: error: invalid config (line 5): unknown key 'equalisation' in the top level; expected one of: qconfig, equalization
// UNKNOWNKEY-NOT: func.func

// Tests that an unknown key inside an observer spec is an error naming the
// key, the spec's path and the keys allowed.
// RUN: not eq-opt %s --eqq-prepare="config=%S/Inputs/bad-unknown-spec-key.json" 2>&1 | FileCheck %s --check-prefix=SPECKEY
// SPECKEY: {{.*}}Inputs/bad-unknown-spec-key.json:6:18: error: invalid config (line 6): unknown key 'reduce' in 'qconfig.global.weight'; expected one of: observer, dtype, qscheme, quant_min, quant_max, reduce_range, averaging_constant, bins
// SPECKEY-NOT: func.func

// Tests that an unknown object type is an error listing the known ones.
// RUN: not eq-opt %s --eqq-prepare="config=%S/Inputs/bad-unknown-object-type.json" 2>&1 | FileCheck %s --check-prefix=OBJTYPE
// OBJTYPE: {{.*}}Inputs/bad-unknown-object-type.json:5:7: error: invalid config (line 5): unknown object type 'lstm' in 'qconfig.object_type'; expected one of: linear, conv1d, conv2d, conv3d, relu, add
// OBJTYPE-NOT: func.func

// Tests that a value of the wrong type (a string for `reduce_range`) is an
// error naming the key, what was expected and what was found.
// RUN: not eq-opt %s --eqq-prepare="config=%S/Inputs/bad-wrong-type.json" 2>&1 | FileCheck %s --check-prefix=WRONGTYPE
// WRONGTYPE: {{.*}}Inputs/bad-wrong-type.json:5:38: error: invalid config (line 5): 'qconfig.global.activation.reduce_range' must be a boolean, found a string
// WRONGTYPE-NOT: func.func

// Tests that `object_type` written as PyTorch's list of pairs is a type error.
// RUN: not eq-opt %s --eqq-prepare="config=%S/Inputs/bad-object-type-array.json" 2>&1 | FileCheck %s --check-prefix=ARRAY
// ARRAY: {{.*}}Inputs/bad-object-type-array.json:3:20: error: invalid config (line 3): 'qconfig.object_type' must be an object, found an array
// ARRAY-NOT: func.func

// Tests that a preset other than "default" is an error.
// RUN: not eq-opt %s --eqq-prepare="config=%S/Inputs/bad-unknown-preset.json" 2>&1 | FileCheck %s --check-prefix=PRESET
// PRESET: {{.*}}Inputs/bad-unknown-preset.json:3:15: error: invalid config (line 3): 'qconfig.global': unknown preset "fbgemm"; expected "default", null or an object
// PRESET-NOT: func.func

// Tests that an observer spec without `dtype` is an error.
// RUN: not eq-opt %s --eqq-prepare="config=%S/Inputs/bad-missing-dtype.json" 2>&1 | FileCheck %s --check-prefix=NODTYPE
// NODTYPE: {{.*}}Inputs/bad-missing-dtype.json:4:21: error: invalid config (line 4): 'qconfig.global.activation' needs 'dtype' and 'qscheme'
// NODTYPE-NOT: func.func

// Tests that `quant_min` without `quant_max` is an error.
// RUN: not eq-opt %s --eqq-prepare="config=%S/Inputs/bad-quant-min-only.json" 2>&1 | FileCheck %s --check-prefix=QMINONLY
// QMINONLY: {{.*}}Inputs/bad-quant-min-only.json:6:31: error: invalid config (line 6): 'qconfig.global.weight' has 'quant_min' without 'quant_max'
// QMINONLY-NOT: func.func

// Tests that a per-channel qscheme for activations is rejected (activations
// are quantized per tensor), naming the activation's qscheme and its line.
// RUN: not eq-opt %s --eqq-prepare="config=%S/Inputs/bad-per-channel-activation.json" 2>&1 | FileCheck %s --check-prefix=PERCHANNELACT
// PERCHANNELACT: {{.*}}Inputs/bad-per-channel-activation.json:5:54: error: invalid config (line 5): 'qconfig.object_type.linear.activation.qscheme': the qscheme must be per-tensor (per_tensor_affine or per_tensor_symmetric), found 'per_channel_affine'
// PERCHANNELACT-NOT: func.func

// Tests that a per-channel qscheme for an equalized input is rejected, as
// PyTorch's _InputEqualizationObserver does.
// RUN: not eq-opt %s --eqq-prepare="config=%S/Inputs/bad-equalization-input-per-channel.json" 2>&1 | FileCheck %s --check-prefix=PERCHANNELINPUT
// PERCHANNELINPUT: {{.*}}Inputs/bad-equalization-input-per-channel.json:5:47: error: invalid config (line 5): 'equalization.global.input.qscheme': the qscheme must be per-tensor (per_tensor_affine or per_tensor_symmetric), found 'per_channel_symmetric'
// PERCHANNELINPUT-NOT: func.func

// Tests that equalizing an add (which has no weight) is an error.
// RUN: not eq-opt %s --eqq-prepare="config=%S/Inputs/bad-equalize-add.json" 2>&1 | FileCheck %s --check-prefix=EQADD
// EQADD: {{.*}}Inputs/bad-equalize-add.json:4:21: error: invalid config (line 4): 'equalization.object_type.add': an add has no weight and cannot be equalized
// EQADD-NOT: func.func

// Tests that a per-tensor observer kind with a per-channel qscheme is an
// error at the `observer` key's line (7), not at the spec's first line (5).
// RUN: not eq-opt %s --eqq-prepare="config=%S/Inputs/bad-observer-qscheme.json" 2>&1 | FileCheck %s --check-prefix=OBSQSCHEME
// OBSQSCHEME: {{.*}}Inputs/bad-observer-qscheme.json:7:30: error: invalid config (line 7): 'qconfig.global.weight.observer': observer kind 'minmax' supports only per_tensor_affine and per_tensor_symmetric, got 'per_channel_symmetric'
// OBSQSCHEME-NOT: func.func

// Tests that reduce_range with symmetric quint8 is rejected (PyTorch raises
// "Cannot reduce range for symmetric quantization for quint8"), at the
// `reduce_range` key's line (10), inside the module_name entry `fc2`.
// RUN: not eq-opt %s --eqq-prepare="config=%S/Inputs/bad-reduce-range-symmetric.json" 2>&1 | FileCheck %s --check-prefix=REDUCE
// REDUCE: {{.*}}Inputs/bad-reduce-range-symmetric.json:10:40: error: invalid config (line 10): 'qconfig.module_name.fc2.activation.reduce_range': cannot reduce range for symmetric quantization for quint8
// REDUCE-NOT: func.func

// Tests that a custom quantization range without 0 is rejected at the
// `quant_min` key's line.
// RUN: not eq-opt %s --eqq-prepare="config=%S/Inputs/bad-range-without-zero.json" 2>&1 | FileCheck %s --check-prefix=NOZERO
// NOZERO: {{.*}}Inputs/bad-range-without-zero.json:5:35: error: invalid config (line 5): 'qconfig.global.activation.quant_min': quantization range [1, 127] must include 0
// NOZERO-NOT: func.func

// Tests that a custom range beyond the storage type is rejected at the
// `quant_max` key's line.
// RUN: not eq-opt %s --eqq-prepare="config=%S/Inputs/bad-range-storage.json" 2>&1 | FileCheck %s --check-prefix=STORAGE
// STORAGE: {{.*}}Inputs/bad-range-storage.json:6:35: error: invalid config (line 6): 'qconfig.global.activation.quant_max': quantization range [0, 300] does not fit quint8 storage [0, 255]
// STORAGE-NOT: func.func

// Tests that a config file that cannot be read is an error naming it.
// RUN: not eq-opt %s --eqq-prepare="config=%S/Inputs/does-not-exist.json" 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: error: cannot read config file '{{.*}}Inputs/does-not-exist.json'

// Tests that a failing prepare leaves no partial output file.
// RUN: rm -f %t.mlir
// RUN: not eq-opt %s --eqq-prepare="config=%S/Inputs/bad-unknown-key.json" -o %t.mlir
// RUN: not ls %t.mlir

func.func @forward(%x: tensor<4x3xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<0.5> : tensor<2x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x2xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w : tensor<4x3xf32>, tensor<2x3xf32>) outs(%fill : tensor<4x2xf32>) -> tensor<4x2xf32> loc("fc2")
  return %y : tensor<4x2xf32>
}
