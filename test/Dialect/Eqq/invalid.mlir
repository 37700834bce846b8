// RUN: eq-opt %s --split-input-file --verify-diagnostics

// Tests that observers reject inputs that are not linear or conv tensors.
func.func @observer_rank1(%x: tensor<5xf32>) -> tensor<5xf32> {
  // expected-error @+1 {{expects an input of rank 2 to 5 (linear or conv layers), got rank 1}}
  %0 = eqq.act_observer %x minmax quint8 per_tensor_affine : tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

// Tests the upper rank bound.
func.func @observer_rank6(%x: tensor<1x1x1x1x1x1xf32>) -> tensor<1x1x1x1x1x1xf32> {
  // expected-error @+1 {{got rank 6}}
  %0 = eqq.weight_observer %x minmax qint8 per_tensor_symmetric : tensor<1x1x1x1x1x1xf32>
  return %0 : tensor<1x1x1x1x1x1xf32>
}

// -----

// Tests that a per-channel axis must exist.
func.func @observer_axis(%x: tensor<4x5xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{axis 2 is out of range for a tensor of rank 2}}
  %0 = eqq.weight_observer %x per_channel_minmax qint8 per_channel_symmetric axis 2 : tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

// Tests that PerChannelMinMaxObserver needs a per-channel scheme.
func.func @per_channel_kind_per_tensor_scheme(%x: tensor<4x5xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{observer kind 'per_channel_minmax' needs a per-channel qscheme, got 'per_tensor_affine'}}
  %0 = eqq.weight_observer %x per_channel_minmax qint8 per_tensor_affine : tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

// Tests that MinMaxObserver supports only per-tensor schemes.
func.func @minmax_per_channel_scheme(%x: tensor<4x5xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{observer kind 'minmax' supports only per_tensor_affine and per_tensor_symmetric, got 'per_channel_affine'}}
  %0 = eqq.act_observer %x minmax quint8 per_channel_affine : tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

// Tests that histogram observers are per-tensor too.
func.func @histogram_per_channel(%x: tensor<4x5xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{observer kind 'histogram' supports only per_tensor_affine and per_tensor_symmetric, got 'per_channel_symmetric'}}
  %0 = eqq.act_observer %x histogram quint8 per_channel_symmetric : tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

// Tests PyTorch's "Cannot reduce range for symmetric quantization for quint8".
func.func @reduce_range_symmetric_quint8(%x: tensor<4x5xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{cannot reduce range for symmetric quantization for quint8}}
  %0 = eqq.act_observer %x minmax quint8 per_tensor_symmetric reduce_range : tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

// Tests the same rule for per-channel symmetric quint8.
func.func @reduce_range_per_channel_symmetric_quint8(%x: tensor<4x5xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{cannot reduce range for symmetric quantization for quint8}}
  %0 = eqq.weight_observer %x per_channel_minmax quint8 per_channel_symmetric reduce_range : tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

// Tests that a custom quantization range must include 0.
func.func @range_without_zero(%x: tensor<4x5xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{quantization range [1, 127] must include 0}}
  %0 = eqq.act_observer %x minmax quint8 per_tensor_affine range [1, 127] : tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

// Tests that a custom quantization range must not be empty.
func.func @range_empty(%x: tensor<4x5xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{quantization range [0, 0] needs quant_min < quant_max}}
  %0 = eqq.act_observer %x minmax quint8 per_tensor_affine range [0, 0] : tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

// Tests that a custom quantization range must fit the storage type.
func.func @range_beyond_storage(%x: tensor<4x5xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{quantization range [-200, 100] does not fit qint8 storage [-128, 127]}}
  %0 = eqq.act_observer %x minmax qint8 per_tensor_affine range [-200, 100] : tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

// Tests that quant_min needs quant_max (only expressible in generic form).
func.func @range_half(%x: tensor<4x5xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{expects both 'quant_min' and 'quant_max' or neither}}
  %0 = "eqq.act_observer"(%x) <{kind = #eqq.observer_kind<minmax>, dtype = #eqq.qdtype<quint8>, qscheme = #eqq.qscheme<per_tensor_affine>, quant_min = 0 : i64}> : (tensor<4x5xf32>) -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

// Tests the averaging constant's range.
func.func @averaging_constant(%x: tensor<4x5xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{averaging_constant must be in (0, 1], got 1.5}}
  %0 = eqq.act_observer %x moving_average_minmax quint8 per_tensor_affine {averaging_constant = 1.5 : f32} : tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

// Tests that a histogram needs bins.
func.func @zero_bins(%x: tensor<4x5xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{bins must be positive, got 0}}
  %0 = eqq.act_observer %x histogram quint8 per_tensor_affine {bins = 0 : i64} : tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

// Tests that only histogram observers carry a histogram.
func.func @histogram_on_minmax(%x: tensor<4x5xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{only a 'histogram' observer has a histogram}}
  %0 = eqq.act_observer %x minmax quint8 per_tensor_affine {bins = 2 : i64, histogram = array<f32: 1.0, 2.0>, min_val = array<f32: 0.0>, max_val = array<f32: 1.0>} : tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

// Tests that the histogram has `bins` entries.
func.func @histogram_size(%x: tensor<4x5xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{histogram has 3 bins; expected 2}}
  %0 = eqq.act_observer %x histogram quint8 per_tensor_affine {bins = 2 : i64, histogram = array<f32: 1.0, 2.0, 3.0>, min_val = array<f32: 0.0>, max_val = array<f32: 1.0>} : tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

// Tests that a histogram is meaningless without its range.
func.func @histogram_without_range(%x: tensor<4x5xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{a histogram needs 'min_val' and 'max_val'}}
  %0 = eqq.act_observer %x histogram quint8 per_tensor_affine {bins = 2 : i64, histogram = array<f32: 1.0, 2.0>} : tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

// Tests that partial statistics are rejected.
func.func @min_without_max(%x: tensor<4x5xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{expects both 'min_val' and 'max_val' or neither}}
  %0 = eqq.act_observer %x minmax quint8 per_tensor_affine {min_val = array<f32: 0.0>} : tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

// Tests that a per-tensor observer has one statistic.
func.func @per_tensor_stats_count(%x: tensor<4x5xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{statistics have 2 min and 2 max entries; expected 1 (one per tensor)}}
  %0 = eqq.act_observer %x minmax quint8 per_tensor_affine {min_val = array<f32: 0.0, 0.0>, max_val = array<f32: 1.0, 1.0>} : tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

// Tests that a per-channel observer has one statistic per channel of its axis.
func.func @per_channel_stats_count(%x: tensor<4x5xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{statistics have 3 min and 3 max entries; expected 4 (one per channel of the observed axis)}}
  %0 = eqq.weight_observer %x per_channel_minmax qint8 per_channel_symmetric {min_val = array<f32: 0.0, 0.0, 0.0>, max_val = array<f32: 1.0, 1.0, 1.0>} : tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

// Tests that a minimum above its maximum is rejected.
func.func @min_above_max(%x: tensor<4x5xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{min_val[0] = 2.000000e+00 is greater than max_val[0] = 1.000000e+00}}
  %0 = eqq.act_observer %x minmax quint8 per_tensor_affine {min_val = array<f32: 2.0>, max_val = array<f32: 1.0>} : tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

// Tests that an unknown enum keyword is a parse error naming it.
func.func @unknown_dtype(%x: tensor<4x5xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{unknown qdtype 'quint4'}}
  %0 = eqq.act_observer %x minmax quint4 per_tensor_affine : tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

// Tests that observers only take f32 tensors.
func.func @observer_f16(%x: tensor<4x5xf16>) -> tensor<4x5xf16> {
  // expected-error @+1 {{must be ranked tensor of 32-bit float values}}
  %0 = eqq.act_observer %x minmax quint8 per_tensor_affine : tensor<4x5xf16>
  return %0 : tensor<4x5xf16>
}

// -----

// Tests the input-equalization observer's rank check.
func.func @input_eq_rank(%x: tensor<5xf32>) -> tensor<5xf32> {
  // expected-error @+1 {{expects an input of rank 2 to 5 (linear or conv layers), got rank 1}}
  %0 = eqq.input_eq_observer %x axis 0 quint8 per_tensor_symmetric : tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

// Tests the input-equalization observer's axis check.
func.func @input_eq_axis(%x: tensor<4x5xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{axis 3 is out of range for a tensor of rank 2}}
  %0 = eqq.input_eq_observer %x axis 3 quint8 per_tensor_symmetric : tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

// Tests PyTorch's "Input qscheme must be per-tensor".
func.func @input_eq_per_channel(%x: tensor<4x5xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{input qscheme must be per-tensor, got 'per_channel_affine'}}
  %0 = eqq.input_eq_observer %x axis 1 quint8 per_channel_affine : tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

// Tests that input-equalization statistics match the channel count.
func.func @input_eq_stats(%x: tensor<4x5xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{statistics have 4 min and 4 max entries; expected 5 (one per channel of the input axis)}}
  %0 = eqq.input_eq_observer %x axis 1 quint8 per_tensor_symmetric {min_val = array<f32: 0.0, 0.0, 0.0, 0.0>, max_val = array<f32: 1.0, 1.0, 1.0, 1.0>} : tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

// Tests the weight-equalization observer's rank check.
func.func @weight_eq_rank(%w: tensor<5xf32>) -> tensor<5xf32> {
  // expected-error @+1 {{got rank 1}}
  %0 = eqq.weight_eq_observer %w qint8 per_channel_symmetric : tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

// Tests that weight-equalization statistics have one entry per input column.
func.func @weight_eq_stats(%w: tensor<4x5xf32>) -> tensor<4x5xf32> {
  // expected-error @+1 {{statistics have 4 min and 4 max entries; expected 5 (one per input column of the weight)}}
  %0 = eqq.weight_eq_observer %w qint8 per_channel_symmetric {min_val = array<f32: 0.0, 0.0, 0.0, 0.0>, max_val = array<f32: 1.0, 1.0, 1.0, 1.0>} : tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

// Tests that the equalization multiply has one scale per channel.
func.func @eq_scale_count(%x: tensor<4x2xf32>) -> tensor<4x2xf32> {
  // expected-error @+1 {{has 3 scales; expected 2 (the size of axis 1)}}
  %0 = eqq.eq_scale %x axis 1 {scale = array<f32: 1.0, 2.0, 3.0>} : tensor<4x2xf32>
  return %0 : tensor<4x2xf32>
}

// -----

// Tests the equalization multiply's axis check.
func.func @eq_scale_axis(%x: tensor<4x2xf32>) -> tensor<4x2xf32> {
  // expected-error @+1 {{axis 2 is out of range for a tensor of rank 2}}
  %0 = eqq.eq_scale %x axis 2 {scale = array<f32: 1.0, 2.0>} : tensor<4x2xf32>
  return %0 : tensor<4x2xf32>
}

// -----

// Tests that scales are positive (relu commutes only with positive scales).
func.func @eq_scale_negative(%x: tensor<4x2xf32>) -> tensor<4x2xf32> {
  // expected-error @+1 {{scale[1] = -2.000000e+00 must be finite and positive}}
  %0 = eqq.eq_scale %x axis 1 {scale = array<f32: 1.0, -2.0>} : tensor<4x2xf32>
  return %0 : tensor<4x2xf32>
}

// -----

// Tests that scales are finite.
func.func @eq_scale_inf(%x: tensor<4x2xf32>) -> tensor<4x2xf32> {
  // expected-error @+1 {{scale[0] = INF must be finite and positive}}
  %0 = eqq.eq_scale %x axis 1 {scale = array<f32: 0x7F800000, 1.0>} : tensor<4x2xf32>
  return %0 : tensor<4x2xf32>
}

// -----

// Tests that quantize keeps the shape.
func.func @quantize_shape(%x: tensor<4x5xf32>) -> tensor<4x4x!quant.uniform<u8:f32, 0.1:3>> {
  // expected-error @+1 {{float and quantized shapes differ}}
  %0 = eqq.quantize %x : tensor<4x5xf32> to tensor<4x4x!quant.uniform<u8:f32, 0.1:3>>
  return %0 : tensor<4x4x!quant.uniform<u8:f32, 0.1:3>>
}

// -----

// Tests that quantize produces a quantized type.
func.func @quantize_to_int(%x: tensor<4x5xf32>) -> tensor<4x5xi8> {
  // expected-error @+1 {{must be ranked tensor of quantized type values}}
  %0 = eqq.quantize %x : tensor<4x5xf32> to tensor<4x5xi8>
  return %0 : tensor<4x5xi8>
}

// -----

// Tests that the quantized type expresses f32.
func.func @quantize_expressed(%x: tensor<4x5xf32>) -> tensor<4x5x!quant.uniform<u8:f16, 0.1:3>> {
  // expected-error @+1 {{quantized expressed type 'f16' does not match 'f32'}}
  %0 = eqq.quantize %x : tensor<4x5xf32> to tensor<4x5x!quant.uniform<u8:f16, 0.1:3>>
  return %0 : tensor<4x5x!quant.uniform<u8:f16, 0.1:3>>
}

// -----

// Tests that storage is 8-bit.
func.func @quantize_i16(%x: tensor<4x5xf32>) -> tensor<4x5x!quant.uniform<i16:f32, 0.1>> {
  // expected-error @+1 {{expects an 8-bit storage type, got 'i16'}}
  %0 = eqq.quantize %x : tensor<4x5xf32> to tensor<4x5x!quant.uniform<i16:f32, 0.1>>
  return %0 : tensor<4x5x!quant.uniform<i16:f32, 0.1>>
}

// -----

// Tests that a per-axis type has one scale per channel.
func.func @quantize_per_axis_count(%x: tensor<3x5xf32>) -> tensor<3x5x!quant.uniform<i8:f32:0, {0.1, 0.2}>> {
  // expected-error @+1 {{has 2 scales for dimension 0 of size 3}}
  %0 = eqq.quantize %x : tensor<3x5xf32> to tensor<3x5x!quant.uniform<i8:f32:0, {0.1, 0.2}>>
  return %0 : tensor<3x5x!quant.uniform<i8:f32:0, {0.1, 0.2}>>
}

// -----

// Tests that a per-axis dimension must exist.
func.func @quantize_per_axis_dim(%x: tensor<3x5xf32>) -> tensor<3x5x!quant.uniform<i8:f32:2, {0.1, 0.2}>> {
  // expected-error @+1 {{quantized dimension 2 is out of range for rank 2}}
  %0 = eqq.quantize %x : tensor<3x5xf32> to tensor<3x5x!quant.uniform<i8:f32:2, {0.1, 0.2}>>
  return %0 : tensor<3x5x!quant.uniform<i8:f32:2, {0.1, 0.2}>>
}

// -----

// Tests that dequantize checks shapes like quantize.
func.func @dequantize_shape(%q: tensor<4x5x!quant.uniform<u8:f32, 0.1:3>>) -> tensor<5x4xf32> {
  // expected-error @+1 {{float and quantized shapes differ}}
  %0 = eqq.dequantize %q : tensor<4x5x!quant.uniform<u8:f32, 0.1:3>> to tensor<5x4xf32>
  return %0 : tensor<5x4xf32>
}

// -----

// Tests that a weight-equalization observer's axis is 1 (input columns) or 0
// (a depthwise conv's rows), nothing else.
func.func @weight_eq_axis(%w: tensor<4x1x3x3xf32>) -> tensor<4x1x3x3xf32> {
  // expected-error @+1 {{axis must be 1 (the input columns of W[out, in, ...]) or 0 (the rows of a depthwise conv's weight), got 2}}
  %0 = eqq.weight_eq_observer %w axis 2 qint8 per_channel_symmetric : tensor<4x1x3x3xf32>
  return %0 : tensor<4x1x3x3xf32>
}

// -----

// Tests that with axis 0 the statistics have one entry per row.
func.func @weight_eq_axis0_stats(%w: tensor<4x1x3x3xf32>) -> tensor<4x1x3x3xf32> {
  // expected-error @+1 {{statistics have 1 min and 1 max entries; expected 4 (one per row of the weight)}}
  %0 = eqq.weight_eq_observer %w axis 0 qint8 per_channel_symmetric {min_val = array<f32: 0.0>, max_val = array<f32: 1.0>} : tensor<4x1x3x3xf32>
  return %0 : tensor<4x1x3x3xf32>
}
