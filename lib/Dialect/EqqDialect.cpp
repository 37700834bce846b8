//===- EqqDialect.cpp - the eqq dialect -----------------------------------===//

#include "EqQuant/Dialect/EqqDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::eqq;

#include "EqQuant/Dialect/EqqDialect.cpp.inc"
#include "EqQuant/Dialect/EqqEnums.cpp.inc"
#include "EqQuant/Dialect/EqqInterfaces.cpp.inc"

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

/// Checks the dialect's discardable attributes (EqqBase.td): each has its
/// declared type, and no other `eqq.` attribute exists.
LogicalResult EqqDialect::verifyOperationAttribute(Operation *op,
                                                   NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  Attribute value = attr.getValue();
  auto expect = [&](bool ok, StringRef what) -> LogicalResult {
    if (ok)
      return success();
    return op->emitError("'")
           << name << "' must be " << what << ", got " << value;
  };
  if (name == LayerAttrHelper::getNameStr())
    return expect(isa<StringAttr>(value), "a string (the layer's name)");
  if (name == FoldedScaleAttrHelper::getNameStr())
    return expect(isa<DenseF32ArrayAttr>(value),
                  "an array<f32: ...> of scale factors");
  if (name == InputTypesAttrHelper::getNameStr() ||
      name == OutputTypesAttrHelper::getNameStr()) {
    auto array = dyn_cast<ArrayAttr>(value);
    return expect(
        array &&
            llvm::all_of(array, [](Attribute a) { return isa<TypeAttr>(a); }),
        "an array of types");
  }
  if (name == SharesObserverAttrHelper::getNameStr() ||
      name == FloatOutputAttrHelper::getNameStr())
    return expect(isa<UnitAttr>(value), "a unit attribute");
  return op->emitError("unknown discardable attribute '")
         << name << "'; the eqq dialect declares '"
         << LayerAttrHelper::getNameStr() << "', '"
         << FoldedScaleAttrHelper::getNameStr() << "', '"
         << InputTypesAttrHelper::getNameStr() << "', '"
         << OutputTypesAttrHelper::getNameStr() << "', '"
         << SharesObserverAttrHelper::getNameStr() << "' and '"
         << FloatOutputAttrHelper::getNameStr() << "'";
}
