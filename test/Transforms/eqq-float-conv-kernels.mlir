// RUN: eq-opt %s --eqq-float-conv-kernels="rows=4 vectors=1" --split-input-file | FileCheck %s
// RUN: not eq-opt %s --eqq-float-conv-kernels="rows=8 vectors=4" 2>&1 | FileCheck %s --check-prefix=ERR

// Tests that a padded 3x3 conv becomes an im2col copy into col[K][P rounded
// up to 16] (its padding columns zeroed once), then a tile loop over full
// blocks of 4 output channels and a second one over the last 2, each
// reducing over K = C * KH * KW with one fma per channel, the last pixels
// (P = 20: 16 + 4) masked. The filter is read in place as W[F][K], one
// scalar load per output channel and step of K, broadcast: no packed copy.
// CHECK-NOT: memref.global {{.*}}packed
// CHECK-LABEL: func.func @pad3x3
// CHECK-NOT: linalg.conv_2d_nchw_fchw
// CHECK: %[[W:.*]] = memref.collapse_shape %{{.*}} {{\[\[}}0], [1, 2, 3]] : memref<6x2x3x3xf32> into memref<6x18xf32>
// CHECK: %[[OUT:.*]] = memref.collapse_shape %arg1 {{\[\[}}0], [1], [2, 3]] : memref<1x6x4x5xf32> into memref<1x6x20xf32>
// CHECK: %[[COL:.*]] = memref.alloc() {alignment = 64 : i64} : memref<18x32xf32>
// CHECK: %[[TAIL:.*]] = memref.subview %[[COL]][0, 20] [18, 12] [1, 1]
// CHECK: linalg.fill {{.*}} outs(%[[TAIL]]
// CHECK: scf.for %[[N:.*]] =
// im2col: rows of 5 pixels, one masked load each.
// CHECK: scf.parallel
// CHECK: vector.constant_mask [5] : vector<16xi1>
// CHECK: vector.maskedload %arg0
// CHECK: vector.maskedstore %[[COL]]
// Full pixel vector, 4 output channels.
// CHECK: scf.parallel
// CHECK-COUNT-4: vector.load %[[OUT]]
// CHECK: scf.for {{.*}} = %c0{{.*}} to %c18{{.*}} iter_args
// CHECK: vector.load %[[COL]]
// CHECK: memref.load %[[W]]
// CHECK: vector.broadcast
// CHECK: vector.fma
// CHECK: memref.load %[[W]]
// CHECK: vector.fma
// CHECK: memref.load %[[W]]
// CHECK: vector.fma
// CHECK: memref.load %[[W]]
// CHECK: vector.fma
// CHECK-NOT: vector.fma
// CHECK: scf.yield
// CHECK-COUNT-4: vector.store {{.*}}, %[[OUT]]
// The last 4 pixels, masked.
// CHECK: scf.parallel
// CHECK: vector.constant_mask [4] : vector<16xi1>
// CHECK-COUNT-4: vector.maskedload %[[OUT]]
// CHECK-COUNT-4: vector.fma
// CHECK-COUNT-4: vector.maskedstore {{.*}}%[[OUT]]
// The last 2 output channels.
// CHECK: scf.parallel
// CHECK-COUNT-2: vector.load %[[OUT]]
// CHECK-NOT: vector.load %[[OUT]]
// CHECK: scf.for {{.*}} iter_args
// CHECK-COUNT-2: vector.fma
// CHECK: memref.dealloc %[[COL]]
// ERR: rows and vectors must be >= 1 with rows * vectors <= 28
memref.global "private" constant @w : memref<6x2x3x3xf32> = dense<[
  [[[1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]], [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]],
  [[[2.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]], [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]],
  [[[3.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]], [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]],
  [[[4.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]], [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]],
  [[[5.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]], [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]],
  [[[6.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]], [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]]]>
func.func @pad3x3(%x: memref<1x2x6x7xf32>, %y: memref<1x6x4x5xf32>) {
  %w = memref.get_global @w : memref<6x2x3x3xf32>
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : memref<1x2x6x7xf32>, memref<6x2x3x3xf32>) outs(%y : memref<1x6x4x5xf32>)
  return
}

// -----

// Tests that a 1x1 stride-1 conv reads its input in place as col[C][H * W]:
// no copy, masked loads of the input for the last pixels.
// CHECK-LABEL: func.func @direct
// CHECK-NOT: memref.alloc
// CHECK-DAG: %[[OUT:.*]] = memref.collapse_shape %arg1 {{.*}} into memref<1x4x20xf32>
// CHECK-DAG: %[[IN:.*]] = memref.collapse_shape %arg0 {{.*}} into memref<1x3x20xf32>
// CHECK: scf.for {{.*}} iter_args
// CHECK: vector.load %[[IN]]
// CHECK: vector.constant_mask [4]
// CHECK: scf.for {{.*}} iter_args
// CHECK: vector.maskedload %[[IN]]
// CHECK-NOT: memref.dealloc
memref.global "private" constant @w1 : memref<4x3x1x1xf32> = dense<1.0>
func.func @direct(%x: memref<1x3x4x5xf32>, %y: memref<1x4x4x5xf32>) {
  %w = memref.get_global @w1 : memref<4x3x1x1xf32>
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : memref<1x3x4x5xf32>, memref<4x3x1x1xf32>) outs(%y : memref<1x4x4x5xf32>)
  return
}

// -----

// Tests that a width stride reads each output row's pixels with a gather of
// every second input column.
// CHECK-LABEL: func.func @strided
// CHECK: arith.constant dense<[0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30]> : vector<16xi32>
// CHECK: vector.gather %arg0
// CHECK: vector.fma
memref.global "private" constant @w2 : memref<4x3x1x1xf32> = dense<1.0>
func.func @strided(%x: memref<1x3x8x9xf32>, %y: memref<1x4x4x5xf32>) {
  %w = memref.get_global @w2 : memref<4x3x1x1xf32>
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
    ins(%x, %w : memref<1x3x8x9xf32>, memref<4x3x1x1xf32>) outs(%y : memref<1x4x4x5xf32>)
  return
}

// -----

// Tests that a filter that is not a constant (an argument) is read in place
// as well.
// CHECK-LABEL: func.func @filter_argument
// CHECK-NOT: linalg.conv_2d_nchw_fchw
// CHECK: memref.collapse_shape %arg1 {{.*}} into memref<4x3xf32>
// CHECK: vector.fma
func.func @filter_argument(%x: memref<1x3x4x5xf32>, %w: memref<4x3x1x1xf32>, %y: memref<1x4x4x5xf32>) {
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : memref<1x3x4x5xf32>, memref<4x3x1x1xf32>) outs(%y : memref<1x4x4x5xf32>)
  return
}

// -----

// Tests that a filter with a strided layout (not contiguous as W[F][K]) is
// left alone.
// CHECK-LABEL: func.func @strided_filter
// CHECK: linalg.conv_2d_nchw_fchw
func.func @strided_filter(%x: memref<1x3x4x5xf32>, %w: memref<4x3x1x1xf32, strided<[6, 1, 1, 1]>>, %y: memref<1x4x4x5xf32>) {
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : memref<1x3x4x5xf32>, memref<4x3x1x1xf32, strided<[6, 1, 1, 1]>>) outs(%y : memref<1x4x4x5xf32>)
  return
}

// -----

// Tests that a grouped conv (2 groups of 3 input and 4 output channels) is
// two products side by side: W[G][F'][C'][KH][KW] read as W[F][K'] (K' =
// 27), the input viewed as N x C x H x W for one im2col of all 54 rows, and
// each block of output channels reducing over the 27 rows of its group,
// from row (f0 / F') * K'.
// CHECK-LABEL: func.func @grouped
// CHECK-NOT: linalg.conv_2d_ngchw_gfchw
// CHECK: %[[W:.*]] = memref.collapse_shape %{{.*}} {{\[\[}}0, 1], [2, 3, 4]] : memref<2x4x3x3x3xf32> into memref<8x27xf32>
// CHECK: %[[X:.*]] = memref.collapse_shape %arg0 {{\[\[}}0], [1, 2], [3], [4]] : memref<1x2x3x6x7xf32> into memref<1x6x6x7xf32>
// CHECK: %[[OUT:.*]] = memref.collapse_shape %arg1 {{\[\[}}0], [1, 2], [3, 4]] : memref<1x2x4x4x5xf32> into memref<1x8x20xf32>
// CHECK: %[[COL:.*]] = memref.alloc() {alignment = 64 : i64} : memref<54x32xf32>
// CHECK: vector.maskedload %[[X]]
// CHECK: scf.parallel
// CHECK: %[[G:.*]] = arith.divui %{{.*}}, %c4
// CHECK: %[[KB:.*]] = arith.muli %[[G]], %c27
// CHECK: scf.for %[[K:.*]] = %c0{{.*}} to %c27{{.*}} iter_args
// CHECK: %[[ROW:.*]] = arith.addi %[[KB]], %[[K]]
// CHECK: vector.load %[[COL]][%[[ROW]],
// CHECK: memref.load %[[W]]
// CHECK-COUNT-3: vector.fma
memref.global "private" constant @wg : memref<2x4x3x3x3xf32> = dense<1.0>
func.func @grouped(%x: memref<1x2x3x6x7xf32>, %y: memref<1x2x4x4x5xf32>) {
  %w = memref.get_global @wg : memref<2x4x3x3x3xf32>
  linalg.conv_2d_ngchw_gfchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : memref<1x2x3x6x7xf32>, memref<2x4x3x3x3xf32>) outs(%y : memref<1x2x4x4x5xf32>)
  return
}

// -----

// Tests that a conv_2d_ngchw_gfchw of one group is a plain product over its
// 5-D values (W[1][4][3][3][3] read as W[4][27]).
// CHECK-LABEL: func.func @one_group
// CHECK-NOT: linalg.conv_2d_ngchw_gfchw
// CHECK: memref.collapse_shape %{{.*}} {{\[\[}}0, 1], [2, 3, 4]] : memref<1x4x3x3x3xf32> into memref<4x27xf32>
// CHECK: vector.fma
memref.global "private" constant @w_one_group : memref<1x4x3x3x3xf32> = dense<1.0>
func.func @one_group(%x: memref<1x1x3x6x7xf32>, %y: memref<1x1x4x4x5xf32>) {
  %w = memref.get_global @w_one_group : memref<1x4x3x3x3xf32>
  linalg.conv_2d_ngchw_gfchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : memref<1x1x3x6x7xf32>, memref<1x4x3x3x3xf32>) outs(%y : memref<1x1x4x4x5xf32>)
  return
}
