func.func @linear_quantized_add_linear(%x: tensor<1x5xf32>) -> tensor<1x5xf32> {
  %w1 = arith.constant dense<0.5> : tensor<5x5xf32>
  %w2 = arith.constant dense<0.25> : tensor<5x5xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x5xf32>
  %fill = linalg.fill ins(%zero : f32) outs(%e : tensor<1x5xf32>) -> tensor<1x5xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w1 : tensor<1x5xf32>, tensor<5x5xf32>) outs(%fill : tensor<1x5xf32>) -> tensor<1x5xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>],
                       iterator_types = ["parallel", "parallel"]}
         ins(%y : tensor<1x5xf32>) outs(%e : tensor<1x5xf32>) {
  ^bb0(%in: f32, %out: f32):
    %c5 = arith.constant 5.0 : f32
    %sum = arith.addf %in, %c5 : f32
    linalg.yield %sum : f32
  } -> tensor<1x5xf32>
  %z = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%s, %w2 : tensor<1x5xf32>, tensor<5x5xf32>) outs(%fill : tensor<1x5xf32>) -> tensor<1x5xf32>
  return %z : tensor<1x5xf32>
}
