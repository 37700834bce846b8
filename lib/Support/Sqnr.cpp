//===- Sqnr.cpp - SQNR and the SQNR file ----------------------------------===//

#include "EqQuant/Support/Sqnr.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/JSON.h"

#include <cassert>
#include <cmath>

using namespace mlir;
using namespace mlir::eqq;

double mlir::eqq::computeSqnr(ArrayRef<float> a, ArrayRef<float> b) {
  assert(a.size() == b.size() && "compared tensors differ in size");
  double signal = 0.0, noise = 0.0;
  for (auto [x, y] : llvm::zip(a, b)) {
    double dx = x, d = dx - static_cast<double>(y);
    signal += dx * dx;
    noise += d * d;
  }
  if (std::isnan(signal) || std::isnan(noise))
    return NAN;
  if (noise == 0.0)
    return INFINITY;
  return 20.0 * std::log10(std::sqrt(signal) / std::sqrt(noise));
}

void mlir::eqq::writeSqnrFile(raw_ostream &os, ArrayRef<LayerSqnr> layers) {
  os << "{\"layers\": [\n";
  for (size_t i = 0, e = layers.size(); i < e; ++i) {
    const LayerSqnr &layer = layers[i];
    llvm::json::OStream j(os);
    j.object([&] {
      j.attribute("name", layer.name);
      j.attributeBegin("sqnr_db");
      json::writeDouble(j, layer.sqnrDb);
      j.attributeEnd();
    });
    os << (i + 1 < e ? ",\n" : "\n");
  }
  os << "]}\n";
}

std::optional<SmallVector<LayerSqnr>>
mlir::eqq::readSqnrFile(StringRef path, json::Position &errorPos,
                        std::string &error) {
  auto fail =
      [&](json::Position pos,
          const Twine &message) -> std::optional<SmallVector<LayerSqnr>> {
    errorPos = pos;
    error = message.str();
    return std::nullopt;
  };
  json::Value root;
  if (!json::parseFile(path, root, errorPos, error)) {
    if (errorPos.line)
      error = "malformed JSON: " + error;
    return std::nullopt;
  }
  const json::Value *list = root.isObject() ? root.get("layers") : nullptr;
  if (!list || !list->isArray())
    return fail(list ? list->pos : root.pos,
                "expected {\"layers\": [{\"name\": ..., \"sqnr_db\": ...}, "
                "...]}, as eq-run --compare --json prints");
  SmallVector<LayerSqnr> layers;
  llvm::StringSet<> seen;
  for (const json::Value &entry : list->elements) {
    const json::Value *name = entry.isObject() ? entry.get("name") : nullptr;
    const json::Value *sqnr = entry.isObject() ? entry.get("sqnr_db") : nullptr;
    std::optional<double> value = sqnr ? json::readDouble(*sqnr) : std::nullopt;
    if (!name || !name->isString() || !value)
      return fail(entry.pos, "each layer needs a string 'name' and a number "
                             "'sqnr_db' (or \"inf\", \"-inf\", \"nan\")");
    if (!seen.insert(name->string).second)
      return fail(name->pos, "layer '" + name->string + "' appears twice");
    layers.push_back({name->string, *value, entry.pos});
  }
  return layers;
}
