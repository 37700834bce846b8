// RUN: eq-opt %S/eqq-convert-equalize.mlir --split-input-file --eqq-convert 2>&1 | FileCheck %s

// Tests that every case of eqq-convert-equalize.mlir also quantizes (the
// flattened conv output feeding an equalized linear among them): integer
// layers, no float layer and no observer left.
// CHECK-NOT: error
// CHECK-NOT: linalg.matmul
// CHECK-NOT: linalg.conv
// CHECK-NOT: eqq.act_observer
