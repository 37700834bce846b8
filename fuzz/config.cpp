//===- config.cpp - libFuzzer target: the JSON and configuration readers --===//
//
// Parses the input with the JSON reader (walking what it accepts through the
// number readers the statistics and recipe files use) and as an
// `--eqq-prepare` configuration file, then looks every object type up in
// the configuration it accepts. Errors are expected; each must say what is
// wrong and where.
//
//===----------------------------------------------------------------------===//

#include "EqQuant/Analysis/Config.h"
#include "EqQuant/Support/Json.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

using namespace mlir::eqq;

/// Walks `v` as the statistics and recipe readers do.
static void walk(const json::Value &v) {
  if (v.pos.line == 0 || v.pos.column == 0)
    std::abort();
  (void)v.kindName();
  (void)json::readFloat(v);
  (void)json::readDouble(v);
  for (const json::Value &element : v.elements)
    walk(element);
  for (const json::Value::Member &member : v.members) {
    if (v.get(member.key) != &member.value)
      std::abort(); // Keys are unique.
    walk(member.value);
  }
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);

  json::Value root;
  json::Position errorPos;
  std::string error;
  if (json::parse(text, root, errorPos, error))
    walk(root);
  else if (error.empty() || errorPos.line == 0 || errorPos.column == 0)
    std::abort();

  ConfigError configError;
  std::optional<Config> config = Config::parse(text, configError);
  if (!config) {
    if (configError.message.empty() || configError.pos.line == 0)
      std::abort();
    return 0;
  }
  for (llvm::StringRef type : getConfigObjectTypes()) {
    (void)config->qconfig.lookup("top.0.fc#2", type);
    (void)config->equalization.lookup("top.0.fc#2", type);
  }
  for (const auto &entry : config->qconfig.moduleName)
    (void)config->qconfig.lookup(entry.first, "linear");
  return 0;
}
