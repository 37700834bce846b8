// Selective equalization: --eqq-prepare="equalize-top-k=N sqnr=FILE"
// equalizes exactly the N layers with the lowest SQNR in FILE (interface
// section 6). The model (Inputs/top-k/chain.mlir) is a chain of three
// linears fc1, fc2, fc3 with splat weights 0.5, 1.0 and 1.5, so that the
// checks can tell them apart; a layer is equalized when its weight gets an
// eqq.weight_eq_observer (and its input an eqq.input_eq_observer).
// --implicit-check-not makes every equalized layer one the checks name.

// Tests that N=1 equalizes only the layer with the lowest SQNR (fc2, 30.8 dB),
// although the built-in default config would equalize all three.
// RUN: eq-opt %S/Inputs/top-k/chain.mlir --eqq-prepare="equalize-top-k=1 sqnr=%S/Inputs/top-k/sqnr.json" | FileCheck %s --check-prefix=TOP1 --implicit-check-not=eqq.weight_eq_observer --implicit-check-not=eqq.input_eq_observer
// TOP1-DAG: %[[W2:.*]] = arith.constant dense<1.000000e+00>
// TOP1: eqq.input_eq_observer
// TOP1-NEXT: eqq.weight_eq_observer %[[W2]]

// Tests that N=2 takes the SQNRs in ascending order: fc2 (30.8), then fc3
// (35.0), not fc1 (40.5).
// RUN: eq-opt %S/Inputs/top-k/chain.mlir --eqq-prepare="equalize-top-k=2 sqnr=%S/Inputs/top-k/sqnr.json" | FileCheck %s --check-prefix=TOP2 --implicit-check-not=eqq.weight_eq_observer
// TOP2-DAG: %[[W2:.*]] = arith.constant dense<1.000000e+00>
// TOP2-DAG: %[[W3:.*]] = arith.constant dense<1.500000e+00>
// TOP2: eqq.weight_eq_observer %[[W2]]
// TOP2: eqq.weight_eq_observer %[[W3]]

// Tests that N=0 equalizes nothing: the section is replaced, not merged.
// RUN: eq-opt %S/Inputs/top-k/chain.mlir --eqq-prepare="equalize-top-k=0 sqnr=%S/Inputs/top-k/sqnr.json" | FileCheck %s --check-prefix=NONE --implicit-check-not=eqq.weight_eq_observer --implicit-check-not=eqq.input_eq_observer
// NONE-LABEL: func.func @forward
// NONE: eqq.weight_observer
// NONE: return

// Tests that equal SQNRs keep program order whatever the file's order
// (ties.json lists fc3 and fc1 at 20 dB, fc3 first): N=1 picks fc1.
// RUN: eq-opt %S/Inputs/top-k/chain.mlir --eqq-prepare="equalize-top-k=1 sqnr=%S/Inputs/top-k/ties.json" | FileCheck %s --check-prefix=TIES --implicit-check-not=eqq.weight_eq_observer
// TIES-DAG: %[[W1:.*]] = arith.constant dense<5.000000e-01>
// TIES: eqq.weight_eq_observer %[[W1]]

// Tests that "nan" counts as the lowest SQNR and "inf" as the highest:
// N=2 of {fc1: inf, fc2: nan, fc3: 10} is fc2 and fc3.
// RUN: eq-opt %S/Inputs/top-k/chain.mlir --eqq-prepare="equalize-top-k=2 sqnr=%S/Inputs/top-k/non-finite.json" | FileCheck %s --check-prefix=NONFINITE --implicit-check-not=eqq.weight_eq_observer
// NONFINITE-DAG: %[[W2:.*]] = arith.constant dense<1.000000e+00>
// NONFINITE-DAG: %[[W3:.*]] = arith.constant dense<1.500000e+00>
// NONFINITE: eqq.weight_eq_observer %[[W2]]
// NONFINITE: eqq.weight_eq_observer %[[W3]]

// Tests that a config's equalization section is replaced as a whole (its
// object_type would equalize every linear, its module_name entry would give
// fc2 a qint8 per_tensor_affine input): N=1 equalizes only fc2, with PyTorch's
// default_equalization_qconfig, as get_equalization_qconfig_dict does.
// RUN: eq-opt %S/Inputs/top-k/chain.mlir --eqq-prepare="config=%S/Inputs/top-k/config.json equalize-top-k=1 sqnr=%S/Inputs/top-k/sqnr.json" | FileCheck %s --check-prefix=CONFIG --implicit-check-not=eqq.weight_eq_observer --implicit-check-not=eqq.input_eq_observer
// CONFIG-DAG: %[[W2:.*]] = arith.constant dense<1.000000e+00>
// CONFIG: eqq.input_eq_observer %{{.*}} axis 1 quint8 per_tensor_symmetric
// CONFIG-NEXT: eqq.weight_eq_observer %[[W2]] qint8 per_channel_symmetric

// Tests that N larger than the number of layers in the file equalizes all of
// them (fc1 and fc3; two-layers.json does not list fc2), with a warning.
// RUN: eq-opt %S/Inputs/top-k/chain.mlir --eqq-prepare="equalize-top-k=5 sqnr=%S/Inputs/top-k/two-layers.json" 2>%t.warn | FileCheck %s --check-prefix=ALL --implicit-check-not=eqq.weight_eq_observer
// RUN: FileCheck %s --check-prefix=ALL-WARN < %t.warn
// ALL-DAG: %[[W1:.*]] = arith.constant dense<5.000000e-01>
// ALL-DAG: %[[W3:.*]] = arith.constant dense<1.500000e+00>
// ALL: eqq.weight_eq_observer %[[W1]]
// ALL: eqq.weight_eq_observer %[[W3]]
// ALL-WARN: warning: equalize-top-k=5 but '{{.*}}two-layers.json' lists 2 layer(s); equalizing all of them

// Tests that a selected layer the config leaves float is not equalized, with
// a warning naming it; the next lowest is not taken in its place.
// RUN: eq-opt %S/Inputs/top-k/chain.mlir --eqq-prepare="config=%S/Inputs/top-k/fc2-float.json equalize-top-k=1 sqnr=%S/Inputs/top-k/sqnr.json" 2>%t.float | FileCheck %s --check-prefix=FLOAT --implicit-check-not=eqq.weight_eq_observer --implicit-check-not=eqq.input_eq_observer
// RUN: FileCheck %s --check-prefix=FLOAT-WARN < %t.float
// FLOAT-LABEL: func.func @forward
// FLOAT: return
// FLOAT-WARN: warning: {{.*}}layer 'fc2' is not equalized: equalize-top-k selects it, but the configuration does not quantize it
