//===- Npy.cpp - NumPy .npy files: reading and atomic writing -------------===//
//
// The format (numpy/lib/format.py): the magic string "\x93NUMPY", a major and
// a minor version byte, the header length (uint16 little-endian in 1.0,
// uint32 in 2.0 and 3.0), then the header, a Python dict literal such as
// `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }` padded with
// spaces and ended by '\n' (latin-1 in 1.0 and 2.0, utf-8 in 3.0), then the
// elements.
//
//===----------------------------------------------------------------------===//

#include "EqQuant/Support/Npy.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SwapByteOrder.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>

using namespace mlir::eqq;
using llvm::Error;
using llvm::Expected;
using llvm::StringRef;

static constexpr llvm::StringLiteral kMagic("\x93NUMPY");
/// np.save aligns the start of the data to this many bytes.
static constexpr size_t kHeaderAlign = 64;
/// np.save pads the header so that the first dimension can grow in place to
/// this many digits (numpy's GROWTH_AXIS_MAX_DIGITS).
static constexpr size_t kGrowthAxisMaxDigits = 21;
static constexpr llvm::StringLiteral kSupportedDTypes =
    "expected one of float32, float64, int8, uint8, int32, int64, bool "
    "(little-endian, C order)";

//===----------------------------------------------------------------------===//
// DTypes
//===----------------------------------------------------------------------===//

static constexpr NpyDType kAllDTypes[] = {
    NpyDType::F32, NpyDType::F64, NpyDType::I8,  NpyDType::U8,
    NpyDType::I32, NpyDType::I64, NpyDType::Bool};

StringRef mlir::eqq::getNpyDTypeName(NpyDType dtype) {
  switch (dtype) {
  case NpyDType::F32:
    return "float32";
  case NpyDType::F64:
    return "float64";
  case NpyDType::I8:
    return "int8";
  case NpyDType::U8:
    return "uint8";
  case NpyDType::I32:
    return "int32";
  case NpyDType::I64:
    return "int64";
  case NpyDType::Bool:
    return "bool";
  }
  llvm_unreachable("unknown NpyDType");
}

StringRef mlir::eqq::getNpyDTypeDescr(NpyDType dtype) {
  switch (dtype) {
  case NpyDType::F32:
    return "<f4";
  case NpyDType::F64:
    return "<f8";
  case NpyDType::I8:
    return "|i1";
  case NpyDType::U8:
    return "|u1";
  case NpyDType::I32:
    return "<i4";
  case NpyDType::I64:
    return "<i8";
  case NpyDType::Bool:
    return "|b1";
  }
  llvm_unreachable("unknown NpyDType");
}

size_t mlir::eqq::getNpyDTypeSize(NpyDType dtype) {
  switch (dtype) {
  case NpyDType::I8:
  case NpyDType::U8:
  case NpyDType::Bool:
    return 1;
  case NpyDType::F32:
  case NpyDType::I32:
    return 4;
  case NpyDType::F64:
  case NpyDType::I64:
    return 8;
  }
  llvm_unreachable("unknown NpyDType");
}

std::optional<NpyDType> mlir::eqq::parseNpyDTypeName(StringRef name) {
  for (NpyDType dtype : kAllDTypes)
    if (getNpyDTypeName(dtype) == name)
      return dtype;
  return std::nullopt;
}

std::string mlir::eqq::formatNpyType(NpyDType dtype,
                                     llvm::ArrayRef<int64_t> shape) {
  std::string result;
  llvm::raw_string_ostream os(result);
  if (shape.empty())
    os << "scalar";
  llvm::interleave(
      shape, os,
      [&](int64_t dim) {
        if (dim < 0)
          os << '?';
        else
          os << dim;
      },
      "x");
  os << ' ' << getNpyDTypeName(dtype);
  return result;
}

/// The dtype of the header's `descr`, or an error saying why it is not
/// supported. One-byte types take any byte-order character, as numpy does;
/// wider ones must be little-endian ('<'), the only order np.save writes on
/// the machines this runs on.
static Expected<NpyDType> parseDescr(StringRef descr, StringRef name) {
  char order = 0;
  StringRef type = descr;
  if (!descr.empty() && StringRef("<>|=").contains(descr.front())) {
    order = descr.front();
    type = descr.drop_front();
  }
  for (NpyDType dtype : kAllDTypes) {
    if (type != getNpyDTypeDescr(dtype).drop_front())
      continue;
    if (getNpyDTypeSize(dtype) == 1 || order == '<')
      return dtype;
    StringRef typeName = getNpyDTypeName(dtype);
    std::string what = order == '>' ? "big-endian " + typeName.str()
                       : order == '='
                           ? typeName.str() + " in native byte order"
                           : typeName.str() + " without a byte order";
    return llvm::createStringError(name + ": unsupported dtype '" + descr +
                                   "' (" + what + "); " + kSupportedDTypes);
  }

  // Name what the file holds, for the message.
  std::string what;
  unsigned size = 0;
  if (!type.empty() && !type.drop_front().getAsInteger(10, size)) {
    switch (type.front()) {
    case 'f':
      what = "float" + std::to_string(8 * size);
      break;
    case 'i':
      what = "int" + std::to_string(8 * size);
      break;
    case 'u':
      what = "uint" + std::to_string(8 * size);
      break;
    case 'c':
      what = "complex" + std::to_string(8 * size);
      break;
    case 'b':
      what = "bool";
      break;
    case 'S':
    case 'a':
      what = "byte strings";
      break;
    case 'U':
      what = "unicode strings";
      break;
    case 'V':
      what = "raw bytes";
      break;
    default:
      break;
    }
  } else if (type == "O") {
    what = "Python objects";
  } else if (type.starts_with("M8")) {
    what = "datetime64";
  } else if (type.starts_with("m8")) {
    what = "timedelta64";
  }
  std::string message =
      name.str() + ": unsupported dtype '" + descr.str() + "'";
  if (!what.empty())
    message += " (" + what + ")";
  return llvm::createStringError(message + "; " + kSupportedDTypes);
}

//===----------------------------------------------------------------------===//
// NpyArray
//===----------------------------------------------------------------------===//

static_assert(__STDCPP_DEFAULT_NEW_ALIGNMENT__ >= alignof(int64_t) &&
                  __STDCPP_DEFAULT_NEW_ALIGNMENT__ >= alignof(double),
              "new char[] must be aligned for every dtype");

NpyArray::NpyArray(NpyDType dtype, llvm::ArrayRef<int64_t> shape)
    : dtype(dtype), shape(shape) {
  assert(shape.size() <= kMaxNpyRank && "too many dimensions");
  for (int64_t dim : shape) {
    assert(dim >= 0 && "negative dimension");
    [[maybe_unused]] bool overflow =
        llvm::MulOverflow(numElements, dim, numElements);
    assert(!overflow && "too many elements");
  }
  assert(numElements <= std::numeric_limits<int64_t>::max() /
                            static_cast<int64_t>(getNpyDTypeSize(dtype)) &&
         "too many bytes");
  data = std::make_unique<char[]>(getNumBytes()); // zeros
}

/// Reverses the bytes of each element of `size` bytes: little-endian file
/// order to native order and back on a big-endian host.
static void swapElementBytes(llvm::MutableArrayRef<char> bytes, size_t size) {
  if (size == 1)
    return;
  for (size_t i = 0, e = bytes.size(); i < e; i += size)
    std::reverse(bytes.begin() + i, bytes.begin() + i + size);
}

//===----------------------------------------------------------------------===//
// Reading
//===----------------------------------------------------------------------===//

namespace {
/// Parses the header, a Python dict literal with exactly the keys 'descr'
/// (a string), 'fortran_order' (True or False) and 'shape' (a tuple of
/// non-negative integers), in any order, quoted with ' or ", with or without
/// a trailing comma, surrounded by any whitespace. This is what numpy's
/// reader accepts for the dtypes supported here.
class HeaderParser {
public:
  HeaderParser(StringRef text, StringRef name) : text(text), name(name) {}

  Error parse();

  std::string descr;
  bool fortranOrder = false;
  llvm::SmallVector<int64_t> shape;

private:
  void skipSpace() {
    while (pos < text.size() && llvm::isSpace(text[pos]))
      ++pos;
  }
  /// Skips whitespace, then consumes `c` if it comes next.
  bool consume(char c) {
    skipSpace();
    if (pos < text.size() && text[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  }
  /// The next character after whitespace, or 0 at the end.
  char peek() {
    skipSpace();
    return pos < text.size() ? text[pos] : 0;
  }

  Error parseString(std::string &result, StringRef what);
  Error parseDescr();
  Error parseFortranOrder();
  Error parseShape();
  Error parseDim();

  /// "<name>: malformed header: <what> at offset <pos>: <header>".
  Error malformed(const llvm::Twine &what);
  /// "<name>: <message>".
  Error error(const llvm::Twine &message) {
    return llvm::createStringError(name + ": " + message);
  }

  StringRef text;
  StringRef name;
  size_t pos = 0;
};
} // namespace

Error HeaderParser::malformed(const llvm::Twine &what) {
  // Show the header without its padding, escaped and cut to a sane length.
  std::string shown;
  llvm::raw_string_ostream os(shown);
  StringRef trimmed = text.rtrim();
  llvm::printEscapedString(trimmed.take_front(160), os);
  if (trimmed.size() > 160)
    os << "...";
  return error("malformed header: " + what + " at offset " + llvm::Twine(pos) +
               " in " + shown);
}

Error HeaderParser::parseString(std::string &result, StringRef what) {
  char quote = peek();
  if (quote != '\'' && quote != '"')
    return malformed("expected a quoted string for " + what);
  size_t end = text.find(quote, pos + 1);
  size_t newline = text.find('\n', pos + 1);
  if (end == StringRef::npos || newline < end)
    return malformed("unterminated string");
  result = text.slice(pos + 1, end).str();
  pos = end + 1;
  return Error::success();
}

Error HeaderParser::parseDescr() {
  if (peek() == '[')
    return error("unsupported dtype: structured arrays (a list as 'descr') "
                 "are not supported; " +
                 kSupportedDTypes);
  return parseString(descr, "'descr'");
}

Error HeaderParser::parseFortranOrder() {
  skipSpace();
  size_t start = pos;
  while (pos < text.size() && (llvm::isAlnum(text[pos]) || text[pos] == '_'))
    ++pos;
  StringRef word = text.slice(start, pos);
  if (word == "True")
    fortranOrder = true;
  else if (word == "False")
    fortranOrder = false;
  else {
    pos = start;
    return malformed("expected True or False for 'fortran_order'");
  }
  return Error::success();
}

Error HeaderParser::parseDim() {
  skipSpace();
  size_t start = pos;
  bool negative = false;
  if (pos < text.size() && (text[pos] == '-' || text[pos] == '+'))
    negative = text[pos++] == '-';
  size_t digitsStart = pos;
  uint64_t value = 0;
  bool tooLarge = false;
  while (pos < text.size() && llvm::isDigit(text[pos])) {
    uint64_t digit = text[pos++] - '0';
    if (value > (std::numeric_limits<int64_t>::max() - digit) / 10)
      tooLarge = true;
    else
      value = value * 10 + digit;
  }
  if (pos == digitsStart) {
    pos = start;
    return malformed("expected an integer in 'shape'");
  }
  StringRef literal = text.slice(start, pos);
  // Python 2's numpy wrote long integers as `3L`.
  if (pos < text.size() && (text[pos] == 'L' || text[pos] == 'l'))
    ++pos;
  if (negative && (value != 0 || tooLarge))
    return error("negative dimension " + literal + " in 'shape'");
  if (tooLarge)
    return error("dimension " + literal + " in 'shape' is too large");
  if (shape.size() == kMaxNpyRank)
    return error("'shape' has more than " + llvm::Twine(kMaxNpyRank) +
                 " dimensions, numpy's limit");
  shape.push_back(static_cast<int64_t>(value));
  return Error::success();
}

Error HeaderParser::parseShape() {
  if (!consume('('))
    return malformed("expected a tuple of integers like (2, 3) or (5,) or () "
                     "for 'shape'");
  if (consume(')'))
    return Error::success();
  while (true) {
    if (Error e = parseDim())
      return e;
    if (consume(',')) {
      if (consume(')'))
        return Error::success();
      continue;
    }
    if (consume(')')) {
      // `(5)` is the integer 5 in Python, not a tuple.
      if (shape.size() == 1)
        return malformed("expected ',' after the only dimension, as in (5,), "
                         "for 'shape' to be a tuple");
      return Error::success();
    }
    return malformed("expected ',' or ')' in 'shape'");
  }
}

Error HeaderParser::parse() {
  if (!consume('{'))
    return malformed("expected '{' to open a dict like {'descr': '<f4', "
                     "'fortran_order': False, 'shape': (2, 3), }");
  bool seenDescr = false, seenFortranOrder = false, seenShape = false;
  while (!consume('}')) {
    std::string key;
    if (Error e = parseString(key, "a key"))
      return e;
    if (!consume(':'))
      return malformed("expected ':' after '" + key + "'");
    bool *seen = key == "descr"           ? &seenDescr
                 : key == "fortran_order" ? &seenFortranOrder
                 : key == "shape"         ? &seenShape
                                          : nullptr;
    if (!seen)
      return error("unexpected key '" + key +
                   "' in the header; expected only 'descr', 'fortran_order' "
                   "and 'shape'");
    if (*seen)
      return error("duplicate key '" + key + "' in the header");
    *seen = true;
    Error e = key == "descr"           ? parseDescr()
              : key == "fortran_order" ? parseFortranOrder()
                                       : parseShape();
    if (e)
      return e;
    if (!consume(',')) {
      if (!consume('}'))
        return malformed("expected ',' or '}' after the value of '" + key +
                         "'");
      break;
    }
  }
  skipSpace();
  if (pos != text.size())
    return malformed("unexpected text after the dict");
  for (auto [seen, key] : {std::pair(seenDescr, "descr"),
                           std::pair(seenFortranOrder, "fortran_order"),
                           std::pair(seenShape, "shape")})
    if (!seen)
      return error(llvm::Twine("the header lacks the key '") + key +
                   "'; expected 'descr', 'fortran_order' and 'shape'");
  return Error::success();
}

Expected<NpyArray> mlir::eqq::parseNpy(StringRef bytes, StringRef name) {
  auto error = [&](const llvm::Twine &message) {
    return llvm::createStringError(name + ": " + message);
  };

  // The preamble: magic, version, header length.
  if (bytes.empty())
    return error("the file is empty; expected a .npy file");
  if (!kMagic.starts_with(bytes.take_front(kMagic.size()))) {
    if (bytes.starts_with("PK\x03\x04"))
      return error("this is a zip archive (an .npz file?), not a .npy file");
    return error("not a .npy file: it does not start with the magic string "
                 "\"\\x93NUMPY\"");
  }
  if (bytes.size() < kMagic.size() + 2)
    return error("truncated: the file holds " + llvm::Twine(bytes.size()) +
                 " bytes, less than the preamble of a .npy file");
  unsigned major = static_cast<unsigned char>(bytes[kMagic.size()]);
  unsigned minor = static_cast<unsigned char>(bytes[kMagic.size() + 1]);
  if (major < 1 || major > 3 || minor != 0)
    return error("unsupported .npy format version " + llvm::Twine(major) + "." +
                 llvm::Twine(minor) + "; expected 1.0, 2.0 or 3.0");
  size_t lengthSize = major == 1 ? 2 : 4;
  size_t headerStart = kMagic.size() + 2 + lengthSize;
  if (bytes.size() < headerStart)
    return error("truncated: the file holds " + llvm::Twine(bytes.size()) +
                 " bytes, less than the " + llvm::Twine(headerStart) +
                 "-byte preamble of a version " + llvm::Twine(major) +
                 ".0 .npy file");
  uint64_t headerLength = 0;
  for (size_t i = 0; i < lengthSize; ++i)
    headerLength |= static_cast<uint64_t>(static_cast<unsigned char>(
                        bytes[kMagic.size() + 2 + i]))
                    << (8 * i);
  if (headerLength > bytes.size() - headerStart)
    return error("truncated: the header length is " +
                 llvm::Twine(headerLength) + " bytes but only " +
                 llvm::Twine(bytes.size() - headerStart) +
                 " bytes follow the preamble");

  // The header.
  HeaderParser header(bytes.substr(headerStart, headerLength), name);
  if (Error e = header.parse())
    return std::move(e);
  Expected<NpyDType> dtype = parseDescr(header.descr, name);
  if (!dtype)
    return dtype.takeError();
  if (header.fortranOrder)
    return error("Fortran-order (column-major) arrays are not supported; "
                 "expected C order (fortran_order False; np.ascontiguousarray "
                 "converts)");

  // The data: check its size against the file before allocating anything.
  std::string type = formatNpyType(*dtype, header.shape);
  // Like numpy, reject a shape whose non-zero dimensions overflow even when
  // another dimension is 0.
  auto numBytes = static_cast<int64_t>(getNpyDTypeSize(*dtype));
  for (int64_t dim : header.shape)
    if (dim != 0 && llvm::MulOverflow(numBytes, dim, numBytes))
      return error("the header describes an impossibly large array: " + type +
                   " has 2^63 bytes of data or more");
  if (llvm::is_contained(header.shape, 0))
    numBytes = 0;
  uint64_t available = bytes.size() - headerStart - headerLength;
  std::string described = "the header describes " + type + " (" +
                          std::to_string(numBytes) + " bytes of data)";
  if (available < static_cast<uint64_t>(numBytes))
    return error("truncated: " + described + " but the file holds only " +
                 llvm::Twine(available) + " bytes after the header");
  if (available > static_cast<uint64_t>(numBytes))
    return error(llvm::Twine(available - numBytes) +
                 " unexpected bytes after the data: " + described +
                 " but the file holds " + llvm::Twine(available) +
                 " bytes after the header; a .npy file holds one array");

  NpyArray array(*dtype, header.shape);
  llvm::MutableArrayRef<char> data = array.getMutableBytes();
  std::memcpy(data.data(), bytes.data() + headerStart + headerLength,
              data.size());
  if (llvm::sys::IsBigEndianHost)
    swapElementBytes(data, getNpyDTypeSize(*dtype));
  // A bool is one byte, 0 or 1 (what compiled code may assume of an i1).
  if (*dtype == NpyDType::Bool)
    for (size_t i = 0, e = data.size(); i < e; ++i)
      if (static_cast<unsigned char>(data[i]) > 1)
        return error(
            "bool element " + llvm::Twine(i) + " is the byte " +
            llvm::Twine(unsigned(static_cast<unsigned char>(data[i]))) +
            "; expected 0 or 1");
  return array;
}

Expected<NpyArray> mlir::eqq::readNpy(StringRef path) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                  /*RequiresNullTerminator=*/false);
  if (!buffer)
    return llvm::createStringError(
        path + ": cannot read: " + buffer.getError().message());
  return parseNpy((*buffer)->getBuffer(), path);
}

Error mlir::eqq::checkNpyType(const NpyArray &array, NpyDType dtype,
                              llvm::ArrayRef<int64_t> shape, StringRef name) {
  llvm::ArrayRef<int64_t> actual = array.getShape();
  bool shapeMatches =
      actual.size() == shape.size() &&
      llvm::all_of(llvm::zip_equal(actual, shape), [](auto dims) {
        auto [have, want] = dims;
        return want < 0 || have == want;
      });
  if (array.getDType() == dtype && shapeMatches)
    return Error::success();
  return llvm::createStringError(name + ": expected " +
                                 formatNpyType(dtype, shape) + ", got " +
                                 array.getTypeString());
}

//===----------------------------------------------------------------------===//
// Writing
//===----------------------------------------------------------------------===//

/// The preamble and header np.save writes for `array`.
static std::string getHeader(const NpyArray &array) {
  std::string dict;
  llvm::raw_string_ostream os(dict);
  llvm::ArrayRef<int64_t> shape = array.getShape();
  os << "{'descr': '" << getNpyDTypeDescr(array.getDType())
     << "', 'fortran_order': False, 'shape': (";
  llvm::interleave(shape, os, ", ");
  if (shape.size() == 1)
    os << ',';
  os << "), }";
  if (!shape.empty())
    dict.append(kGrowthAxisMaxDigits - std::to_string(shape[0]).size(), ' ');

  // The header length counts the padding and the final '\n'. With at most
  // kMaxNpyRank dimensions it stays far below the 65535 bytes of version 1.0,
  // so the 2.0 that np.save falls back to is never needed.
  size_t padding =
      kHeaderAlign - (kMagic.size() + 4 + dict.size() + 1) % kHeaderAlign;
  size_t headerLength = dict.size() + padding + 1;
  assert(headerLength <= 0xffff && "header too long for version 1.0");

  std::string result(kMagic);
  result += '\x01'; // version 1.0
  result += '\x00';
  result += static_cast<char>(headerLength & 0xff);
  result += static_cast<char>(headerLength >> 8);
  result += dict;
  result.append(padding, ' ');
  result += '\n';
  return result;
}

void mlir::eqq::writeNpy(llvm::raw_ostream &os, const NpyArray &array) {
  os << getHeader(array);
  llvm::ArrayRef<char> data = array.getBytes();
  if (!llvm::sys::IsBigEndianHost) {
    os.write(data.data(), data.size());
    return;
  }
  // Swap a chunk at a time rather than copying the whole array.
  size_t size = getNpyDTypeSize(array.getDType());
  char chunk[4096];
  for (size_t i = 0, e = data.size(); i < e; i += sizeof(chunk)) {
    size_t n = std::min(sizeof(chunk), e - i);
    std::memcpy(chunk, data.data() + i, n);
    swapElementBytes({chunk, n}, size);
    os.write(chunk, n);
  }
}

Error mlir::eqq::writeNpy(StringRef path, const NpyArray &array) {
  auto error = [&](const llvm::Twine &message) {
    return llvm::createStringError(path + ": " + message);
  };
  Expected<llvm::sys::fs::TempFile> temp =
      llvm::sys::fs::TempFile::create(path + ".tmp-%%%%%%%%");
  if (!temp)
    return error("cannot create a temporary file next to it: " +
                 llvm::toString(temp.takeError()));
  std::error_code writeError;
  {
    llvm::raw_fd_ostream os(temp->FD, /*shouldClose=*/false);
    writeNpy(os, array);
    os.flush();
    writeError = os.error();
    os.clear_error();
  }
  if (writeError) {
    llvm::consumeError(temp->discard());
    return error("cannot write: " + writeError.message());
  }
  if (Error e = temp->keep(path))
    return error("cannot write: " + llvm::toString(std::move(e)));
  return Error::success();
}

template <typename T>
static std::optional<int64_t> findNonFinite(llvm::ArrayRef<T> values) {
  for (auto [i, v] : llvm::enumerate(values))
    if (!std::isfinite(v))
      return i;
  return std::nullopt;
}

/// "(i, j, ...)" of the element at row-major position `flat`.
static std::string formatIndex(int64_t flat, llvm::ArrayRef<int64_t> shape) {
  llvm::SmallVector<int64_t> idx(shape.size());
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    idx[d] = flat % shape[d];
    flat /= shape[d];
  }
  std::string s = "(";
  for (auto [i, v] : llvm::enumerate(idx))
    s += (i ? ", " : "") + std::to_string(v);
  return s + (shape.size() == 1 ? ",)" : ")");
}

llvm::Error mlir::eqq::checkNpyFinite(const NpyArray &array,
                                      llvm::StringRef name,
                                      llvm::StringRef requirement) {
  std::optional<int64_t> bad;
  double value = 0;
  if (array.getDType() == NpyDType::F32) {
    bad = findNonFinite(array.getValues<float>());
    if (bad)
      value = array.getValues<float>()[*bad];
  } else if (array.getDType() == NpyDType::F64) {
    bad = findNonFinite(array.getValues<double>());
    if (bad)
      value = array.getValues<double>()[*bad];
  }
  if (!bad)
    return llvm::Error::success();
  return llvm::createStringError(
      name + ": " + (std::isnan(value) ? "NaN" : "Inf") + " at index " +
      formatIndex(*bad, array.getShape()) + "; " + requirement);
}
