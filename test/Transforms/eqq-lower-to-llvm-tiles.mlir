// RUN: eq-opt %s --eqq-lower-to-llvm="isa=avx2 threads=1" --mlir-print-ir-after=eqq-matmul-kernels -o /dev/null 2>&1 | FileCheck %s --check-prefix=AVX2
// RUN: eq-opt %s --eqq-lower-to-llvm="isa=vnni threads=1" --mlir-print-ir-after=eqq-matmul-kernels -o /dev/null 2>&1 | FileCheck %s --check-prefix=AVX512

// Tests that --eqq-lower-to-llvm sizes the float kernels' register tiles
// for the target: on AVX2 (16 ymm registers) 6 rows x 16 columns, the
// weight packed in panels of 16 columns; on AVX-512 (32 zmm) the matmul
// pass's 8 x 32. With AVX-512's tile on AVX2 every step spilled (resnet18's
// float model: 160-200 ms against 58-62 ms).
// AVX2: memref.global "private" constant @__eqq_packed_weight : memref<3x64x16xf32>
// AVX2: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c6
// AVX512: memref.global "private" constant @__eqq_packed_weight : memref<2x64x32xf32>
// AVX512: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %c8
func.func @forward(%x: tensor<13x64xf32>) -> tensor<13x40xf32> {
  %w = arith.constant dense<0.5> : tensor<40x64xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<13x40xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<13x40xf32>) -> tensor<13x40xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w : tensor<13x64xf32>, tensor<40x64xf32>) outs(%f : tensor<13x40xf32>) -> tensor<13x40xf32>
  return %y : tensor<13x40xf32>
}
