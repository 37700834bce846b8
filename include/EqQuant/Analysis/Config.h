//===- Config.h - quantization and equalization configuration ---*- C++ -*-===//
//
// The JSON configuration of `--eqq-prepare="config=FILE"`: what PyTorch's
// qconfig_dict plus _equalization_config express, with the precedence
// module_name > object_type > global and prefix matching of module names.
//
//===----------------------------------------------------------------------===//

#ifndef EQQUANT_ANALYSIS_CONFIG_H
#define EQQUANT_ANALYSIS_CONFIG_H

#include "EqQuant/Dialect/EqqDialect.h"
#include "EqQuant/Support/Json.h"

#include "llvm/ADT/StringRef.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace mlir::eqq {

/// How one observer is built: PyTorch's observer class and its arguments.
struct ObserverSpec {
  ObserverKind kind = ObserverKind::minmax;
  QDType dtype = QDType::quint8;
  QScheme qscheme = QScheme::per_tensor_affine;
  std::optional<int64_t> quantMin;
  std::optional<int64_t> quantMax;
  bool reduceRange = false;
  float averagingConstant = 0.01f;
  int64_t bins = 2048;
};

/// A layer's quantization: its activations and its weight.
struct QConfig {
  ObserverSpec activation;
  ObserverSpec weight;
  /// PyTorch 1.13 `default_qconfig`.
  static QConfig getDefault();
  /// PyTorch 1.13 `get_default_qconfig(backend)` for one of the names of
  /// getBackendNames(); none for any other name.
  static std::optional<QConfig> getForBackend(llvm::StringRef backend);
  /// The backends a configuration may name: onednn, x86, fbgemm, qnnpack.
  static llvm::ArrayRef<llvm::StringRef> getBackendNames();
};

/// A layer's equalization: its input and weight quantization after scaling.
struct EqualizationConfig {
  ObserverSpec input;
  ObserverSpec weight;
  /// PyTorch 1.13 `default_equalization_qconfig`.
  static EqualizationConfig getDefault();
};

/// The name under which the configuration knows a layer or elementwise op:
/// without the `#2`, `#3`, ... that tells repeated calls of one module apart,
/// since they share the module's configuration.
inline llvm::StringRef getConfigName(llvm::StringRef name) {
  return name.take_front(name.find('#'));
}

/// One section (`qconfig` or `equalization`): a value per level, where an
/// empty optional means null ("not quantized" / "not equalized").
template <typename T> struct ConfigSection {
  /// `global`: absent (nothing set) or set, possibly to null.
  std::optional<std::optional<T>> global;
  std::map<std::string, std::optional<T>> objectType;
  std::map<std::string, std::optional<T>> moduleName;
  /// The named configuration the section was given as (`"onednn"`,
  /// `"default"`, ...), or empty for the object form.
  std::string preset;

  /// The entry for a layer named `name` of kind `objectType`:
  /// module_name (the name itself, then each dotted parent) beats
  /// object_type beats global; nothing matching means null.
  std::optional<T> lookup(llvm::StringRef name,
                          llvm::StringRef objectType) const {
    if (const std::optional<T> *named = findNamed(name, objectType))
      return *named;
    if (global)
      return *global;
    return std::nullopt;
  }

  /// The module_name or object_type entry that names a layer `name` of kind
  /// `objectType` (global left out), or null.
  const std::optional<T> *findNamed(llvm::StringRef name,
                                    llvm::StringRef objectType) const {
    llvm::StringRef prefix = getConfigName(name);
    while (!prefix.empty()) {
      auto it = moduleName.find(prefix.str());
      if (it != moduleName.end())
        return &it->second;
      size_t dot = prefix.rfind('.');
      if (dot == llvm::StringRef::npos)
        break;
      prefix = prefix.take_front(dot);
    }
    auto it = this->objectType.find(objectType.str());
    return it != this->objectType.end() ? &it->second : nullptr;
  }
};

struct ConfigError {
  json::Position pos;
  std::string message;
};

/// The whole configuration.
struct Config {
  ConfigSection<QConfig> qconfig;
  ConfigSection<EqualizationConfig> equalization;

  /// The built-in default: linear, conv1d/2d/3d and relu quantized with
  /// `default_qconfig`, add left float; linear and conv equalized with
  /// `default_equalization_qconfig`.
  static Config getDefault();

  /// The `qconfig` section `"qconfig": "<backend>"` stands for: PyTorch
  /// 1.13's `get_default_qconfig_mapping(backend)` restricted to the op
  /// table's kinds. Global and every quantizable kind get the backend's
  /// qconfig; kinds the backend leaves float are null. None for a name not in
  /// QConfig::getBackendNames().
  static std::optional<ConfigSection<QConfig>>
  getNamedQConfig(llvm::StringRef backend);

  /// The `equalization` section `"equalization": "default"` stands for:
  /// `default_equalization_qconfig` on every layer kind of the op table.
  static ConfigSection<EqualizationConfig> getDefaultEqualization();

  /// Parses and validates a configuration file's text. On error, `error`
  /// names the offending key, what was found and what was expected, and
  /// where it stands.
  static std::optional<Config> parse(llvm::StringRef text, ConfigError &error);
};

/// The object types a configuration may name.
llvm::ArrayRef<llvm::StringRef> getConfigObjectTypes();

} // namespace mlir::eqq

#endif // EQQUANT_ANALYSIS_CONFIG_H
