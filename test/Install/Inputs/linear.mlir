// A 5 -> 5 linear layer (y = x W^T + b) as torch-mlir-style front ends emit
// it: linalg.matmul reading W as (n, k), bias added by a linalg.generic.
#map_x = affine_map<(m, n, k) -> (m, k)>
#map_w = affine_map<(m, n, k) -> (n, k)>
#map_y = affine_map<(m, n, k) -> (m, n)>
#id = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (j)>
func.func @forward(%x: tensor<5x5xf32>) -> tensor<5x5xf32> {
  %w = arith.constant dense<[[0.1, -0.2, 0.3, -0.4, 0.5],
                             [0.6, -0.7, 0.8, -0.9, 1.0],
                             [-0.1, 0.2, -0.3, 0.4, -0.5],
                             [0.25, 0.5, 0.75, 1.0, 1.25],
                             [-1.0, 0.0, 1.0, 0.0, -1.0]]> : tensor<5x5xf32>
  %b = arith.constant dense<[0.1, 0.2, 0.3, 0.4, 0.5]> : tensor<5xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<5x5xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<5x5xf32>) -> tensor<5x5xf32>
  %mm = linalg.matmul indexing_maps = [#map_x, #map_w, #map_y]
          ins(%x, %w : tensor<5x5xf32>, tensor<5x5xf32>)
          outs(%f : tensor<5x5xf32>) -> tensor<5x5xf32> loc("fc1")
  %y = linalg.generic {indexing_maps = [#id, #row, #id],
                       iterator_types = ["parallel", "parallel"]}
         ins(%mm, %b : tensor<5x5xf32>, tensor<5xf32>) outs(%e : tensor<5x5xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %s = arith.addf %a, %c : f32
    linalg.yield %s : f32
  } -> tensor<5x5xf32>
  return %y : tensor<5x5xf32>
}
