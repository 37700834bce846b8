//===- EqqDialect.cpp - the eqq dialect -----------------------------------===//

#include "EqQuant/Dialect/EqqDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::eqq;

#include "EqQuant/Dialect/EqqDialect.cpp.inc"
#include "EqQuant/Dialect/EqqEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "EqQuant/Dialect/EqqAttrs.cpp.inc"

void EqqDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "EqQuant/Dialect/EqqAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "EqQuant/Dialect/EqqOps.cpp.inc"
      >();
}
