//===- Json.h - JSON documents that remember where each value stands ------===//
//
// A small strict JSON (RFC 8259) reader for configuration and recipe files.
// Unlike llvm::json it keeps the line and column of every value and object
// key, so that errors in a well-formed document (an unknown key, a wrong
// type) can name the line they come from.
//
//===----------------------------------------------------------------------===//

#ifndef EQQUANT_SUPPORT_JSON_H
#define EQQUANT_SUPPORT_JSON_H

#include "EqQuant/Support/QParams.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace llvm::json {
class OStream;
} // namespace llvm::json

namespace mlir::eqq::json {

struct Position {
  unsigned line = 0;
  unsigned column = 0;
};

class Value {
public:
  enum class Kind { Null, Bool, Number, String, Array, Object };
  struct Member;

  Kind kind = Kind::Null;
  Position pos;
  bool boolean = false;
  double number = 0.0;
  /// True when the number was written without fraction or exponent.
  bool isInteger = false;
  std::string string;
  std::vector<Value> elements;
  std::vector<Member> members;

  bool isNull() const { return kind == Kind::Null; }
  bool isObject() const { return kind == Kind::Object; }
  bool isArray() const { return kind == Kind::Array; }
  bool isString() const { return kind == Kind::String; }
  bool isNumber() const { return kind == Kind::Number; }
  bool isBool() const { return kind == Kind::Bool; }

  /// The member named `key` of an object, or null.
  const Value *get(llvm::StringRef key) const;
  /// "null", "a boolean", "a number", ... for messages.
  llvm::StringRef kindName() const;
};

struct Value::Member {
  std::string key;
  Position keyPos;
  Value value;
};

/// Parses `text`. On a syntax error returns false and sets `errorPos` and
/// `error` (what was found, and what was expected). Duplicate keys in one
/// object are an error too.
bool parse(llvm::StringRef text, Value &result, Position &errorPos,
           std::string &error);

/// Reads the file at `path` and parses it. A file that cannot be read is an
/// error at line 0 ("cannot read FILE: reason").
bool parseFile(llvm::StringRef path, Value &result, Position &errorPos,
               std::string &error);

/// Writes `v` as a JSON number, exactly (float -> double -> shortest text),
/// or as the string "inf", "-inf" or "nan" (statistics and recipe files).
void writeFloat(llvm::json::OStream &out, float v);
/// The same for a double (SQNR reports).
void writeDouble(llvm::json::OStream &out, double v);
/// An array of writeFloat.
void writeFloats(llvm::json::OStream &out, llvm::ArrayRef<float> values);
/// The attributes "scale" and "zero_point" of quantization parameters.
void writeQParams(llvm::json::OStream &out, const QParams &qparams);
/// A number as writeFloat writes it, or std::nullopt.
std::optional<float> readFloat(const Value &v);
/// A number as writeDouble writes it, or std::nullopt.
std::optional<double> readDouble(const Value &v);

} // namespace mlir::eqq::json

#endif // EQQUANT_SUPPORT_JSON_H
