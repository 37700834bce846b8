//===- Config.cpp - quantization and equalization configuration -----------===//

#include "EqQuant/Analysis/Config.h"
#include "EqQuant/Analysis/OpTable.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

#include <cmath>

using namespace mlir;
using namespace mlir::eqq;

QConfig QConfig::getDefault() {
  QConfig q;
  q.activation.kind = ObserverKind::minmax;
  q.activation.dtype = QDType::quint8;
  q.activation.qscheme = QScheme::per_tensor_affine;
  q.activation.quantMin = 0;
  q.activation.quantMax = 127;
  q.weight.kind = ObserverKind::minmax;
  q.weight.dtype = QDType::qint8;
  q.weight.qscheme = QScheme::per_tensor_symmetric;
  return q;
}

ArrayRef<StringRef> QConfig::getBackendNames() {
  static const StringRef names[] = {"onednn", "x86", "fbgemm", "qnnpack"};
  return names;
}

std::optional<QConfig> QConfig::getForBackend(StringRef backend) {
  if (!llvm::is_contained(getBackendNames(), backend))
    return std::nullopt;
  // torch/ao/quantization/qconfig.py, get_default_qconfig(backend, 0):
  // HistogramObserver activations (quint8, per_tensor_affine, 2048 bins, the
  // range [0, 255], halved to [0, 127] by reduce_range on fbgemm and x86),
  // default_per_channel_weight_observer (PerChannelMinMaxObserver, qint8,
  // per_channel_symmetric, [-128, 127]) except on qnnpack, whose weights use
  // default_weight_observer (MinMaxObserver, qint8, per_tensor_symmetric).
  QConfig q;
  q.activation.kind = ObserverKind::histogram;
  q.activation.dtype = QDType::quint8;
  q.activation.qscheme = QScheme::per_tensor_affine;
  q.activation.reduceRange = backend == "fbgemm" || backend == "x86";
  q.weight.dtype = QDType::qint8;
  if (backend == "qnnpack") {
    q.weight.kind = ObserverKind::minmax;
    q.weight.qscheme = QScheme::per_tensor_symmetric;
  } else {
    q.weight.kind = ObserverKind::per_channel_minmax;
    q.weight.qscheme = QScheme::per_channel_symmetric;
  }
  return q;
}

EqualizationConfig EqualizationConfig::getDefault() {
  EqualizationConfig e;
  e.input.kind = ObserverKind::minmax;
  e.input.dtype = QDType::quint8;
  e.input.qscheme = QScheme::per_tensor_symmetric;
  e.weight.kind = ObserverKind::per_channel_minmax;
  e.weight.dtype = QDType::qint8;
  e.weight.qscheme = QScheme::per_channel_symmetric;
  return e;
}

ArrayRef<StringRef> mlir::eqq::getConfigObjectTypes() {
  static const SmallVector<StringRef> types = [] {
    SmallVector<StringRef> names;
    for (const OpKindInfo &info : getOpTable())
      if (!info.objectType.empty())
        names.push_back(info.objectType);
    return names;
  }();
  return types;
}

Config Config::getDefault() {
  Config c;
  for (const OpKindInfo &info : getOpTable()) {
    if (info.objectType.empty())
      continue;
    if (info.quantizedByDefault)
      c.qconfig.objectType[info.objectType.str()] = QConfig::getDefault();
    if (info.equalizedByDefault)
      c.equalization.objectType[info.objectType.str()] =
          EqualizationConfig::getDefault();
  }
  return c;
}

std::optional<ConfigSection<QConfig>>
Config::getNamedQConfig(StringRef backend) {
  std::optional<QConfig> qconfig = QConfig::getForBackend(backend);
  if (!qconfig)
    return std::nullopt;
  // torch/ao/quantization/qconfig_mapping.py, _get_default_qconfig_mapping:
  // the global qconfig is the backend's, and so are the object types it sets
  // (linear, conv, relu, batch norm); add takes it from global. Fixed-qparams
  // ops get their own observers there, which the table's FixedQParams
  // observation stands for. Kinds the backend configuration does not list
  // stay float whatever their qconfig.
  ConfigSection<QConfig> section;
  section.global = qconfig;
  for (const OpKindInfo &info : getOpTable()) {
    if (info.objectType.empty())
      continue;
    section.objectType[info.objectType.str()] =
        info.observation == Observation::Float ? std::nullopt : qconfig;
  }
  return section;
}

ConfigSection<EqualizationConfig> Config::getDefaultEqualization() {
  ConfigSection<EqualizationConfig> section;
  for (const OpKindInfo &info : getOpTable())
    if (info.isLayer && !info.objectType.empty())
      section.objectType[info.objectType.str()] =
          EqualizationConfig::getDefault();
  return section;
}

namespace {
/// Validates a parsed document against the schema; the first error wins.
class ConfigReader {
public:
  explicit ConfigReader(ConfigError &error) : error(error) {}

  bool read(const json::Value &root, Config &config) {
    if (!root.isObject())
      return fail(root.pos, "the configuration must be a JSON object, found " +
                                root.kindName().str());
    for (const json::Value::Member &m : root.members) {
      if (m.key == "qconfig") {
        if (!readSection<QConfig>(m, "qconfig", config.qconfig))
          return false;
      } else if (m.key == "equalization") {
        if (!readSection<EqualizationConfig>(m, "equalization",
                                             config.equalization))
          return false;
      } else {
        return unknownKey(m, "the top level", "qconfig, equalization");
      }
    }
    return true;
  }

private:
  ConfigError &error;

  bool fail(json::Position pos, const std::string &message) {
    error.pos = pos;
    error.message = message;
    return false;
  }

  bool unknownKey(const json::Value::Member &m, StringRef where,
                  StringRef expected) {
    return fail(m.keyPos, "unknown key '" + m.key + "' in " + where.str() +
                              "; expected one of: " + expected.str());
  }

  bool expectKind(const json::Value &v, json::Value::Kind kind, StringRef path,
                  StringRef expected) {
    if (v.kind == kind)
      return true;
    return fail(v.pos, "'" + path.str() + "' must be " + expected.str() +
                           ", found " + v.kindName().str());
  }

  template <typename T>
  static constexpr bool isQConfig = std::is_same_v<T, QConfig>;

  template <typename T>
  bool readSection(const json::Value::Member &sectionMember, StringRef name,
                   ConfigSection<T> &section) {
    const json::Value &v = sectionMember.value;
    // A name in place of the object stands for a whole section.
    SmallVector<StringRef> names;
    if constexpr (isQConfig<T>)
      names.append(QConfig::getBackendNames().begin(),
                   QConfig::getBackendNames().end());
    else
      names.push_back("default");
    std::string quoted = "\"" + llvm::join(names, "\", \"") + "\"";
    if (v.isString()) {
      std::optional<ConfigSection<T>> named;
      if constexpr (isQConfig<T>)
        named = Config::getNamedQConfig(v.string);
      else if (v.string == "default")
        named = Config::getDefaultEqualization();
      if (!named)
        return fail(v.pos, "'" + name.str() + "': unknown configuration \"" +
                               v.string + "\"; expected " +
                               (names.size() > 1 ? "one of: " : "") + quoted +
                               " or an object");
      section = std::move(*named);
      section.preset = v.string;
      return true;
    }
    if (!v.isObject())
      return fail(v.pos, "'" + name.str() + "' must be an object or " +
                             (names.size() > 1 ? "one of " : "") + quoted +
                             ", found " + v.kindName().str());
    for (const json::Value::Member &m : v.members) {
      std::string path = (name + "." + m.key).str();
      if (m.key == "global") {
        std::optional<T> entry;
        if (!readEntry<T>(m.value, path, entry))
          return false;
        section.global = entry;
      } else if (m.key == "object_type") {
        if (!expectKind(m.value, json::Value::Kind::Object, path, "an object"))
          return false;
        for (const json::Value::Member &t : m.value.members) {
          std::string tpath = path + "." + t.key;
          if (!llvm::is_contained(getConfigObjectTypes(), t.key))
            return fail(t.keyPos, "unknown object type '" + t.key + "' in '" +
                                      path + "'; expected one of: " +
                                      llvm::join(getConfigObjectTypes(), ", "));
          if (!isQConfig<T> && !getOpKindInfo(*lookupObjectType(t.key)).isLayer)
            return fail(
                t.keyPos,
                "'" + tpath + "': " +
                    (StringRef("aeiou").contains(t.key[0]) ? "an " : "a ") +
                    t.key +
                    " has no weight and cannot be "
                    "equalized; equalization applies to "
                    "linear and conv layers");
          std::optional<T> entry;
          if (!readEntry<T>(t.value, tpath, entry))
            return false;
          section.objectType[t.key] = entry;
        }
      } else if (m.key == "module_name") {
        if (!expectKind(m.value, json::Value::Kind::Object, path, "an object"))
          return false;
        for (const json::Value::Member &t : m.value.members) {
          std::string tpath = path + "." + t.key;
          if (t.key.empty())
            return fail(t.keyPos, "empty layer name in '" + path +
                                      "'; use 'global' for every layer");
          std::optional<T> entry;
          if (!readEntry<T>(t.value, tpath, entry))
            return false;
          section.moduleName[t.key] = entry;
        }
      } else {
        return unknownKey(m, "'" + name.str() + "'",
                          "global, object_type, module_name");
      }
    }
    return true;
  }

  /// null, "default", or an object with the two observer specs.
  template <typename T>
  bool readEntry(const json::Value &v, StringRef path,
                 std::optional<T> &entry) {
    if (v.isNull()) {
      entry = std::nullopt;
      return true;
    }
    if (v.isString()) {
      if (v.string != "default")
        return fail(v.pos, "'" + path.str() + "': unknown preset \"" +
                               v.string +
                               "\"; expected \"default\", null or "
                               "an object");
      entry = T::getDefault();
      return true;
    }
    if (!v.isObject())
      return fail(v.pos, "'" + path.str() +
                             "' must be null, \"default\" or an object, "
                             "found " +
                             v.kindName().str());
    StringRef first = isQConfig<T> ? "activation" : "input";
    T result;
    ObserverSpec *firstSpec;
    if constexpr (isQConfig<T>)
      firstSpec = &result.activation;
    else
      firstSpec = &result.input;
    bool haveFirst = false, haveWeight = false;
    for (const json::Value::Member &m : v.members) {
      std::string mpath = (path + "." + m.key).str();
      if (m.key == first) {
        if (!readSpec(m.value, mpath, *firstSpec))
          return false;
        haveFirst = true;
      } else if (m.key == "weight") {
        if (!readSpec(m.value, mpath, result.weight))
          return false;
        haveWeight = true;
      } else {
        return unknownKey(m, "'" + path.str() + "'",
                          (first + ", weight").str());
      }
    }
    if (!haveFirst || !haveWeight)
      return fail(v.pos, "'" + path.str() + "' needs both '" + first.str() +
                             "' and 'weight'");
    // Roles constrain the scheme: activations and equalized inputs are
    // quantized per tensor (PyTorch's _InputEqualizationObserver raises
    // "Input qscheme must be per-tensor").
    if (isPerChannel(firstSpec->qscheme))
      return fail(v.get(first)->get("qscheme")->pos,
                  "'" + path.str() + "." + first.str() +
                      ".qscheme': the qscheme must be per-tensor "
                      "(per_tensor_affine or per_tensor_symmetric), found '" +
                      stringifyQScheme(firstSpec->qscheme).str() + "'");
    entry = result;
    return true;
  }

  bool readInt(const json::Value &v, StringRef path, int64_t &out) {
    if (!v.isNumber() || !v.isInteger || std::fabs(v.number) > 1e15)
      return fail(v.pos, "'" + path.str() + "' must be an integer, found " +
                             (v.isNumber() ? std::string("a fraction")
                                           : v.kindName().str()));
    out = static_cast<int64_t>(v.number);
    return true;
  }

  bool readSpec(const json::Value &v, StringRef path, ObserverSpec &spec) {
    if (!expectKind(v, json::Value::Kind::Object, path, "an object"))
      return false;
    bool haveDtype = false, haveQscheme = false, haveKind = false;
    const json::Value *qminValue = nullptr, *qmaxValue = nullptr;
    for (const json::Value::Member &m : v.members) {
      std::string mpath = (path + "." + m.key).str();
      if (m.key == "observer") {
        if (!expectKind(m.value, json::Value::Kind::String, mpath, "a string"))
          return false;
        std::optional<ObserverKind> kind =
            symbolizeObserverKind(m.value.string);
        if (!kind || *kind == ObserverKind::fixed_qparams)
          return fail(m.value.pos,
                      "'" + mpath + "': unknown observer \"" + m.value.string +
                          "\"; expected one of: minmax, per_channel_minmax, "
                          "moving_average_minmax, histogram");
        spec.kind = *kind;
        haveKind = true;
      } else if (m.key == "dtype") {
        if (!expectKind(m.value, json::Value::Kind::String, mpath, "a string"))
          return false;
        std::optional<QDType> dtype = symbolizeQDType(m.value.string);
        if (!dtype)
          return fail(m.value.pos, "'" + mpath + "': unknown dtype \"" +
                                       m.value.string +
                                       "\"; expected quint8 or qint8");
        spec.dtype = *dtype;
        haveDtype = true;
      } else if (m.key == "qscheme") {
        if (!expectKind(m.value, json::Value::Kind::String, mpath, "a string"))
          return false;
        std::optional<QScheme> qscheme = symbolizeQScheme(m.value.string);
        if (!qscheme)
          return fail(m.value.pos,
                      "'" + mpath + "': unknown qscheme \"" + m.value.string +
                          "\"; expected one of: per_tensor_affine, "
                          "per_tensor_symmetric, per_channel_affine, "
                          "per_channel_symmetric, "
                          "per_channel_affine_float_qparams");
        spec.qscheme = *qscheme;
        haveQscheme = true;
      } else if (m.key == "quant_min" || m.key == "quant_max") {
        int64_t value;
        if (!readInt(m.value, mpath, value))
          return false;
        if (m.key == "quant_min") {
          spec.quantMin = value;
          qminValue = &m.value;
        } else {
          spec.quantMax = value;
          qmaxValue = &m.value;
        }
      } else if (m.key == "reduce_range") {
        if (!expectKind(m.value, json::Value::Kind::Bool, mpath, "a boolean"))
          return false;
        spec.reduceRange = m.value.boolean;
      } else if (m.key == "averaging_constant") {
        if (!m.value.isNumber() || !(m.value.number > 0.0) ||
            m.value.number > 1.0)
          return fail(m.value.pos,
                      "'" + mpath + "' must be a number in (0, 1]");
        spec.averagingConstant = static_cast<float>(m.value.number);
      } else if (m.key == "bins") {
        int64_t bins;
        if (!readInt(m.value, mpath, bins))
          return false;
        if (bins <= 0 || bins > (1 << 20))
          return fail(m.value.pos,
                      "'" + mpath + "' must be between 1 and 1048576");
        spec.bins = bins;
      } else {
        return unknownKey(m, "'" + path.str() + "'",
                          "observer, dtype, qscheme, quant_min, quant_max, "
                          "reduce_range, averaging_constant, bins");
      }
    }
    if (!haveDtype || !haveQscheme)
      return fail(v.pos, "'" + path.str() + "' needs 'dtype' and 'qscheme'");
    // Without an explicit observer, the qscheme picks PyTorch's class.
    if (!haveKind)
      spec.kind = isPerChannel(spec.qscheme) ? ObserverKind::per_channel_minmax
                                             : ObserverKind::minmax;
    if (qminValue && !qmaxValue)
      return fail(qminValue->pos,
                  "'" + path.str() + "' has 'quant_min' without 'quant_max'");
    if (qmaxValue && !qminValue)
      return fail(qmaxValue->pos,
                  "'" + path.str() + "' has 'quant_max' without 'quant_min'");
    // Blame the key that makes the combination impossible: check the kind
    // against the qscheme, then add reduce_range, then the custom range.
    std::string reason = checkObserverParams(
        spec.kind, spec.dtype, spec.qscheme, std::nullopt, std::nullopt, false);
    StringRef culprit = haveKind ? "observer" : "qscheme";
    if (reason.empty()) {
      reason =
          checkObserverParams(spec.kind, spec.dtype, spec.qscheme, std::nullopt,
                              std::nullopt, spec.reduceRange);
      culprit = "reduce_range";
    }
    if (reason.empty() && spec.quantMin) {
      reason =
          checkObserverParams(spec.kind, spec.dtype, spec.qscheme,
                              spec.quantMin, spec.quantMax, spec.reduceRange);
      int64_t storageMin = getStorageRange(spec.dtype).first;
      culprit = *spec.quantMin > 0 || *spec.quantMin < storageMin ? "quant_min"
                                                                  : "quant_max";
    }
    if (!reason.empty()) {
      const json::Value *at = v.get(culprit);
      return fail(at ? at->pos : v.pos,
                  "'" + path.str() + "." + culprit.str() + "': " + reason);
    }
    return true;
  }
};
} // namespace

std::optional<Config> Config::parse(StringRef text, ConfigError &error) {
  json::Value root;
  if (!json::parse(text, root, error.pos, error.message)) {
    error.message = "malformed JSON: " + error.message;
    return std::nullopt;
  }
  Config config;
  ConfigReader reader(error);
  if (!reader.read(root, config))
    return std::nullopt;
  return config;
}
