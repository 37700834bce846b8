//===- Passes.h - EqQuant passes --------------------------------*- C++ -*-===//

#ifndef EQQUANT_TRANSFORMS_PASSES_H
#define EQQUANT_TRANSFORMS_PASSES_H

#include "EqQuant/Dialect/EqqDialect.h"
#include "EqQuant/Support/Equalization.h"
#include "mlir/Pass/Pass.h"
#include "llvm/Support/CommandLine.h"

namespace mlir::eqq {

/// The int8 dot-product step of `--eqq-int8-kernels` (its `isa` option and
/// that of `--eqq-lower-to-llvm`).
enum class Int8Isa { host, amx, vbmi, vnni, avx2, portable, none };

/// The spellings of Int8Isa for the options' parser and `--help`.
inline llvm::cl::ValuesClass int8IsaValues() {
  return llvm::cl::values(
      clEnumValN(Int8Isa::host, "host", "the best the compiling CPU has"),
      clEnumValN(Int8Isa::amx, "amx",
                 "tdpbsud tiles for convs of 64 input channels or more "
                 "(AMX-INT8), vnni elsewhere"),
      clEnumValN(Int8Isa::vbmi, "vbmi",
                 "vnni, with depthwise convs and epilogue tables as byte "
                 "permutes (AVX-512 VBMI)"),
      clEnumValN(Int8Isa::vnni, "vnni", "vpdpbusd (AVX-512 VNNI, BW, VL)"),
      clEnumValN(Int8Isa::avx2, "avx2", "vpmaddwd on 16-bit operands (AVX2)"),
      clEnumValN(Int8Isa::portable, "portable",
                 "plain vector code for any target"),
      clEnumValN(Int8Isa::none, "none",
                 "no kernels: the layers become generic loops"));
}

/// Which loop of a full conv the int8 kernel's i32 lanes run along (the
/// `conv-lanes` option of `--eqq-int8-kernels`).
enum class ConvLanes { automatic, width, channels };

/// The spellings of ConvLanes for the option's parser and `--help`.
inline llvm::cl::ValuesClass convLanesValues() {
  return llvm::cl::values(
      clEnumValN(ConvLanes::automatic, "auto",
                 "output channels for rows of fewer than 16 output columns, "
                 "else output columns"),
      clEnumValN(ConvLanes::width, "width", "16 output columns"),
      clEnumValN(ConvLanes::channels, "channels", "16 output channels"));
}

#define GEN_PASS_DECL
#include "EqQuant/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "EqQuant/Transforms/Passes.h.inc"

} // namespace mlir::eqq

#endif // EQQUANT_TRANSFORMS_PASSES_H
