//===- Passes.h - EqQuant passes --------------------------------*- C++ -*-===//

#ifndef EQQUANT_TRANSFORMS_PASSES_H
#define EQQUANT_TRANSFORMS_PASSES_H

#include "EqQuant/Dialect/EqqDialect.h"
#include "EqQuant/Support/Equalization.h"
#include "mlir/Pass/Pass.h"

namespace mlir::eqq {

#define GEN_PASS_DECL
#include "EqQuant/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "EqQuant/Transforms/Passes.h.inc"

} // namespace mlir::eqq

#endif // EQQUANT_TRANSFORMS_PASSES_H
