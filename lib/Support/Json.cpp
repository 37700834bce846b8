//===- Json.cpp - JSON documents that remember where each value stands ----===//

#include "EqQuant/Support/Json.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cmath>
#include <cstdlib>
#include <limits>

using namespace mlir::eqq::json;

const Value *Value::get(llvm::StringRef key) const {
  for (const Member &m : members)
    if (m.key == key)
      return &m.value;
  return nullptr;
}

llvm::StringRef Value::kindName() const {
  switch (kind) {
  case Kind::Null:
    return "null";
  case Kind::Bool:
    return "a boolean";
  case Kind::Number:
    return "a number";
  case Kind::String:
    return "a string";
  case Kind::Array:
    return "an array";
  case Kind::Object:
    return "an object";
  }
  return "a value";
}

namespace {
class Parser {
public:
  explicit Parser(llvm::StringRef text) : text(text) {}

  bool parseDocument(Value &out) {
    skipSpace();
    if (!parseValue(out, 0))
      return false;
    skipSpace();
    if (i != text.size())
      return fail("unexpected text after the end of the document");
    return true;
  }

  Position errorPos;
  std::string error;

private:
  static constexpr unsigned kMaxDepth = 256;

  llvm::StringRef text;
  size_t i = 0;
  unsigned line = 1;
  size_t lineStart = 0;

  Position here() const {
    return {line, static_cast<unsigned>(i - lineStart + 1)};
  }

  bool fail(const std::string &msg) {
    if (error.empty()) {
      errorPos = here();
      error = msg;
    }
    return false;
  }

  std::string found() const {
    if (i >= text.size())
      return "the end of the file";
    char c = text[i];
    if (c >= 0x20 && c < 0x7f)
      return std::string("'") + c + "'";
    return "a control character";
  }

  void skipSpace() {
    while (i < text.size()) {
      char c = text[i];
      if (c == '\n') {
        ++i;
        ++line;
        lineStart = i;
      } else if (c == ' ' || c == '\t' || c == '\r') {
        ++i;
      } else {
        break;
      }
    }
  }

  bool consumeWord(llvm::StringRef word) {
    if (!text.substr(i).starts_with(word))
      return false;
    i += word.size();
    return true;
  }

  bool parseValue(Value &out, unsigned depth) {
    if (depth > kMaxDepth)
      return fail("nesting is deeper than " + std::to_string(kMaxDepth));
    out.pos = here();
    if (i >= text.size())
      return fail("expected a value, found the end of the file");
    char c = text[i];
    switch (c) {
    case '{':
      return parseObject(out, depth);
    case '[':
      return parseArray(out, depth);
    case '"':
      out.kind = Value::Kind::String;
      return parseString(out.string);
    case 't':
    case 'f':
      out.kind = Value::Kind::Bool;
      if (consumeWord("true")) {
        out.boolean = true;
        return true;
      }
      if (consumeWord("false"))
        return true;
      return fail("expected a value, found " + found());
    case 'n':
      if (consumeWord("null")) {
        out.kind = Value::Kind::Null;
        return true;
      }
      return fail("expected a value, found " + found());
    default:
      if (c == '-' || (c >= '0' && c <= '9'))
        return parseNumber(out);
      return fail("expected a value, found " + found());
    }
  }

  bool parseObject(Value &out, unsigned depth) {
    out.kind = Value::Kind::Object;
    ++i; // '{'
    skipSpace();
    if (i < text.size() && text[i] == '}') {
      ++i;
      return true;
    }
    llvm::StringSet<> seen;
    while (true) {
      skipSpace();
      if (i >= text.size() || text[i] != '"')
        return fail("expected a string key, found " + found());
      Value::Member member;
      member.keyPos = here();
      if (!parseString(member.key))
        return false;
      if (!seen.insert(member.key).second) {
        errorPos = member.keyPos;
        error = "duplicate key \"" + member.key + "\"";
        return false;
      }
      skipSpace();
      if (i >= text.size() || text[i] != ':')
        return fail("expected ':' after a key, found " + found());
      ++i;
      skipSpace();
      if (!parseValue(member.value, depth + 1))
        return false;
      out.members.push_back(std::move(member));
      skipSpace();
      if (i < text.size() && text[i] == ',') {
        ++i;
        continue;
      }
      if (i < text.size() && text[i] == '}') {
        ++i;
        return true;
      }
      return fail("expected ',' or '}' in an object, found " + found());
    }
  }

  bool parseArray(Value &out, unsigned depth) {
    out.kind = Value::Kind::Array;
    ++i; // '['
    skipSpace();
    if (i < text.size() && text[i] == ']') {
      ++i;
      return true;
    }
    while (true) {
      skipSpace();
      Value element;
      if (!parseValue(element, depth + 1))
        return false;
      out.elements.push_back(std::move(element));
      skipSpace();
      if (i < text.size() && text[i] == ',') {
        ++i;
        continue;
      }
      if (i < text.size() && text[i] == ']') {
        ++i;
        return true;
      }
      return fail("expected ',' or ']' in an array, found " + found());
    }
  }

  static int hexDigit(char c) {
    if (c >= '0' && c <= '9')
      return c - '0';
    if (c >= 'a' && c <= 'f')
      return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
      return c - 'A' + 10;
    return -1;
  }

  bool parseHex4(unsigned &out) {
    if (i + 4 > text.size())
      return fail("incomplete \\u escape");
    out = 0;
    for (int k = 0; k < 4; ++k) {
      int d = hexDigit(text[i + k]);
      if (d < 0)
        return fail("invalid \\u escape");
      out = out * 16 + d;
    }
    i += 4;
    return true;
  }

  bool parseString(std::string &out) {
    ++i; // opening quote
    while (true) {
      if (i >= text.size())
        return fail("unterminated string");
      char c = text[i];
      if (c == '"') {
        ++i;
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20)
        return fail("control character inside a string");
      if (c != '\\') {
        out.push_back(c);
        ++i;
        continue;
      }
      ++i;
      if (i >= text.size())
        return fail("unterminated string");
      char e = text[i++];
      switch (e) {
      case '"':
      case '\\':
      case '/':
        out.push_back(e);
        break;
      case 'b':
        out.push_back('\b');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'u': {
        unsigned cp;
        if (!parseHex4(cp))
          return false;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          unsigned lo;
          if (i + 1 >= text.size() || text[i] != '\\' || text[i + 1] != 'u')
            return fail("unpaired surrogate in \\u escape");
          i += 2;
          if (!parseHex4(lo))
            return false;
          if (lo < 0xDC00 || lo > 0xDFFF)
            return fail("unpaired surrogate in \\u escape");
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          return fail("unpaired surrogate in \\u escape");
        }
        char buf[8];
        char *ptr = buf;
        llvm::ConvertCodePointToUTF8(cp, ptr);
        out.append(buf, ptr);
        break;
      }
      default:
        --i;
        return fail(std::string("invalid escape '\\") + e + "'");
      }
    }
  }

  bool parseNumber(Value &out) {
    out.kind = Value::Kind::Number;
    size_t start = i;
    bool integer = true;
    if (text[i] == '-')
      ++i;
    if (i >= text.size() || !isdigit(static_cast<unsigned char>(text[i])))
      return fail("invalid number");
    if (text[i] == '0') {
      ++i;
    } else {
      while (i < text.size() && isdigit(static_cast<unsigned char>(text[i])))
        ++i;
    }
    if (i < text.size() && text[i] == '.') {
      integer = false;
      ++i;
      if (i >= text.size() || !isdigit(static_cast<unsigned char>(text[i])))
        return fail("invalid number: expected a digit after '.'");
      while (i < text.size() && isdigit(static_cast<unsigned char>(text[i])))
        ++i;
    }
    if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
      integer = false;
      ++i;
      if (i < text.size() && (text[i] == '+' || text[i] == '-'))
        ++i;
      if (i >= text.size() || !isdigit(static_cast<unsigned char>(text[i])))
        return fail("invalid number: expected a digit in the exponent");
      while (i < text.size() && isdigit(static_cast<unsigned char>(text[i])))
        ++i;
    }
    std::string literal = text.substr(start, i - start).str();
    out.number = std::strtod(literal.c_str(), nullptr);
    out.isInteger = integer;
    if (std::isinf(out.number)) {
      i = start;
      return fail("number out of range");
    }
    return true;
  }
};
} // namespace

bool mlir::eqq::json::parse(llvm::StringRef text, Value &result,
                            Position &errorPos, std::string &error) {
  Parser parser(text);
  if (parser.parseDocument(result))
    return true;
  errorPos = parser.errorPos;
  error = parser.error;
  return false;
}

bool mlir::eqq::json::parseFile(llvm::StringRef path, Value &result,
                                Position &errorPos, std::string &error) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> file =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!file) {
    errorPos = Position();
    error = "cannot read " + path.str() + ": " + file.getError().message();
    return false;
  }
  return parse((*file)->getBuffer(), result, errorPos, error);
}

void mlir::eqq::json::writeFloat(llvm::json::OStream &out, float v) {
  writeDouble(out, static_cast<double>(v));
}

void mlir::eqq::json::writeDouble(llvm::json::OStream &out, double v) {
  if (std::isnan(v))
    out.value("nan");
  else if (std::isinf(v))
    out.value(v > 0 ? "inf" : "-inf");
  else
    out.value(v);
}

void mlir::eqq::json::writeFloats(llvm::json::OStream &out,
                                  llvm::ArrayRef<float> values) {
  out.array([&] {
    for (float v : values)
      writeFloat(out, v);
  });
}

void mlir::eqq::json::writeQParams(llvm::json::OStream &out,
                                   const QParams &qparams) {
  out.attributeBegin("scale");
  writeFloats(out, qparams.scale);
  out.attributeEnd();
  out.attributeBegin("zero_point");
  writeFloats(out, qparams.zeroPoint);
  out.attributeEnd();
}

std::optional<float> mlir::eqq::json::readFloat(const Value &v) {
  if (std::optional<double> d = readDouble(v))
    return static_cast<float>(*d);
  return std::nullopt;
}

std::optional<double> mlir::eqq::json::readDouble(const Value &v) {
  if (v.isNumber())
    return v.number;
  if (v.isString() && v.string == "nan")
    return std::numeric_limits<double>::quiet_NaN();
  if (v.isString() && v.string == "inf")
    return std::numeric_limits<double>::infinity();
  if (v.isString() && v.string == "-inf")
    return -std::numeric_limits<double>::infinity();
  return std::nullopt;
}
