// Observers with missing, partial, inconsistent or non-finite statistics:
// the first three are caught when the module is read (any tool), the last
// by --eqq-convert, which has no scale or range to work with. Each error
// names the observer, the entry and what was expected.
// RUN: eq-opt %s -split-input-file -verify-diagnostics
// RUN: not eq-opt %S/Inputs/nan-statistics.mlir --eqq-convert -o %t.out.mlir 2>&1 | FileCheck %s --check-prefix=NAN
// RUN: not test -e %t.out.mlir
// RUN: not eq-opt %S/Inputs/inf-weight.mlir --eqq-convert -o %t.out.mlir 2>&1 | FileCheck %s --check-prefix=WEIGHT
// RUN: not test -e %t.out.mlir
// NAN: nan-statistics.mlir:{{[0-9]+}}:{{[0-9]+}}: error: eqq-convert: statistics must be finite; min_val[0] = 0.000000e+00, max_val[0] = nan
// WEIGHT: inf-weight.mlir:{{[0-9]+}}:{{[0-9]+}}: error: eqq-convert: statistics must be finite; min_val[0] = 1.000000e+00, max_val[0] = INF (the weight holds NaN or Inf)

func.func @missing_max(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{expects both 'min_val' and 'max_val' or neither}}
  %0 = eqq.act_observer %x minmax quint8 per_tensor_affine {min_val = array<f32: 0.0>} : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @partial(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{statistics have 3 min and 2 max entries; expected 3 (one per channel of the input axis)}}
  %0 = eqq.input_eq_observer %x axis 1 quint8 per_tensor_symmetric {min_val = array<f32: 0.0, 0.0, 0.0>, max_val = array<f32: 1.0, 1.0>} : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @min_above_max(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{min_val[0] = 3.000000e+00 is greater than max_val[0] = 1.000000e+00}}
  %0 = eqq.act_observer %x minmax quint8 per_tensor_affine {min_val = array<f32: 3.0>, max_val = array<f32: 1.0>} : tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}
