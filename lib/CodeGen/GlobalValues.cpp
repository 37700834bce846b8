//===- GlobalValues.cpp - the values of constant globals ------------------===//

#include "GlobalValues.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/SymbolTable.h"

using namespace mlir;

std::optional<SmallVector<float>>
mlir::eqq::getGlobalF32Values(memref::GetGlobalOp get) {
  auto global = SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(
      get, get.getNameAttr());
  if (!global || !global.getConstant())
    return std::nullopt;
  Attribute init = global.getConstantInitValue();
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(init)) {
    if (!dense.getElementType().isF32())
      return std::nullopt;
    auto values = dense.getValues<float>();
    return SmallVector<float>(values.begin(), values.end());
  }
  if (auto resource = dyn_cast_or_null<DenseF32ResourceElementsAttr>(init)) {
    std::optional<ArrayRef<float>> data = resource.tryGetAsArrayRef();
    if (!data)
      return std::nullopt;
    return SmallVector<float>(data->begin(), data->end());
  }
  return std::nullopt;
}

ElementsAttr mlir::eqq::getPackedConstant(ShapedType type,
                                          ArrayRef<char> bytes) {
  if (bytes.size() >= kPackedBlobBytes)
    return DenseResourceElementsAttr::get(
        type, "__eqq_packed",
        HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, /*align=*/64));
  return DenseElementsAttr::getFromRawBuffer(type, bytes);
}
