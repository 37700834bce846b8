// The seed's test_selective_equalization without PyTorch: its model (two 5x5
// linears with an add of 5 between them, weights from torch.manual_seed(1),
// exported by tools/eq-export) on its hard-coded input, with the seed's
// specific_qconfig_dict (Inputs/seed-qconfig.json, no equalization).
// (test/Integration/pytorch/selective-equalization.py compares the same steps
// with PyTorch's.)

// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.array([[0.0642, 0.7824, 0.4255, 0.7106, 0.5957], [0.8373, 0.8851, 0.8229, 0.0212, 0.8987], [0.9077, 0.7538, 0.4530, 0.5772, 0.1376], [0.0690, 0.9002, 0.7998, 0.2768, 0.8985], [0.0282, 0.5068, 0.6725, 0.1829, 0.5480]], np.float32))"

// Tests that the numeric suite reports the seed's SQNRs for the model
// quantized without equalization: bot.0 40.57 dB, top.0 30.80 dB.
// RUN: eq-opt %s --eqq-prepare="config=%S/Inputs/seed-qconfig.json" --eqq-calibrate="data=%t/x.npy" --eqq-convert -o %t/int8.mlir
// RUN: eq-run --compare %s %t/int8.mlir --input %t/x.npy | FileCheck %s --check-prefix=SQNR
// SQNR:      layer SQNR (dB)
// SQNR-NEXT: bot.0     40.57
// SQNR-NEXT: top.0     30.80

// Tests that equalizing the top 1 layer by that report equalizes top.0 only
// and converts, as the seed's node list says, to: quantize, int8 linear
// (bot.0), dequantize, the float add, the equalization multiply, quantize,
// int8 linear (top.0), dequantize.
// RUN: eq-run --compare %s %t/int8.mlir --input %t/x.npy --json > %t/sqnr.json
// RUN: eq-opt %s --eqq-prepare="config=%S/Inputs/seed-qconfig.json equalize-top-k=1 sqnr=%t/sqnr.json" --eqq-calibrate="data=%t/x.npy" --eqq-convert | FileCheck %s --check-prefix=ORDER
// ORDER-LABEL: func.func @forward(
// ORDER-NEXT:  %[[QX:.*]] = eqq.quantize %arg0
// ORDER-NOT:   eqq.
// ORDER:       %[[ACC1:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<5x5xi8>, tensor<5x5xi8>) {{.*}}{eqq.layer = "bot.0"}
// ORDER-NOT:   eqq.
// ORDER:       %[[DQ1:.*]] = eqq.dequantize
// ORDER-NOT:   eqq.
// ORDER:       %[[ADD:.*]] = linalg.generic {{.*}} ins(%[[DQ1]] : tensor<5x5xf32>)
// ORDER:       arith.addf
// ORDER-NOT:   eqq.
// ORDER:       %[[S:.*]] = eqq.eq_scale %[[ADD]] axis 1
// ORDER-NEXT:  %[[Q2:.*]] = eqq.quantize %[[S]]
// ORDER-NOT:   eqq.
// ORDER:       %[[ACC2:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<5x5xi8>, tensor<5x5xi8>) {{.*}}{eqq.layer = "top.0"}
// ORDER-NOT:   eqq.
// ORDER:       %[[DQ2:.*]] = eqq.dequantize
// ORDER-NEXT:  return %[[DQ2]]

func.func @forward(%x: tensor<5x5xf32>) -> tensor<5x5xf32> {
  %bot_0_weight = arith.constant dense<[[0.2304327, -0.19739035, -0.08669749, 0.20990817, -0.42102337], [0.2682017, -0.09200315, 0.22751717, 0.062170286, -0.05475869], [0.12403957, 0.022061843, 0.16333501, -0.17427959, -0.03260579], [-0.040261447, 0.06482091, -0.0017865389, 0.39093924, 0.13916846], [-0.16654514, -0.27009973, -0.07496, -0.19290142, -0.14330894]]> : tensor<5x5xf32>
  %bot_0_bias = arith.constant dense<[0.021413304, 0.26659644, 0.24307698, -0.43717402, 0.27723688]> : tensor<5xf32>
  %bot_0_bias_empty = tensor.empty() : tensor<5x5xf32>
  %bot_0_init = linalg.broadcast ins(%bot_0_bias : tensor<5xf32>) outs(%bot_0_bias_empty : tensor<5x5xf32>) dimensions = [0]
  %bot_0 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %bot_0_weight : tensor<5x5xf32>, tensor<5x5xf32>) outs(%bot_0_init : tensor<5x5xf32>) -> tensor<5x5xf32> loc("bot.0")
  %add_empty = tensor.empty() : tensor<5x5xf32>
  %add = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%bot_0 : tensor<5x5xf32>) outs(%add_empty : tensor<5x5xf32>) {
  ^bb0(%in: f32, %out: f32):
    %cst = arith.constant 5.0 : f32
    %res = arith.addf %in, %cst : f32
    linalg.yield %res : f32
  } -> tensor<5x5xf32> loc("add")
  %top_0_weight = arith.constant dense<[[0.12493532, 0.42420688, 0.2951877, -0.40747318, -0.42521444], [-0.21570547, 0.3927035, -0.07449192, 0.19138928, -0.20782527], [0.438814, -0.18921538, 0.33537656, 0.005295749, -0.23559992], [0.22987442, -0.23738998, 0.13152762, -0.12913615, -0.049029995], [-0.42994583, -0.21322326, 0.24267331, -0.108707465, 0.44544688]]> : tensor<5x5xf32>
  %top_0_bias = arith.constant dense<[0.35848123, -0.02094016, -0.2985075, 0.27233616, 0.13879591]> : tensor<5xf32>
  %top_0_bias_empty = tensor.empty() : tensor<5x5xf32>
  %top_0_init = linalg.broadcast ins(%top_0_bias : tensor<5xf32>) outs(%top_0_bias_empty : tensor<5x5xf32>) dimensions = [0]
  %top_0 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%add, %top_0_weight : tensor<5x5xf32>, tensor<5x5xf32>) outs(%top_0_init : tensor<5x5xf32>) -> tensor<5x5xf32> loc("top.0")
  return %top_0 : tensor<5x5xf32>
}
