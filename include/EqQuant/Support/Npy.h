//===- Npy.h - NumPy .npy files: reading and atomic writing -----*- C++ -*-===//
//
// Tensors enter and leave eq-run (and the calibration pass) as NumPy `.npy`
// files: format versions 1.0, 2.0 and 3.0, little-endian, C order, with the
// dtypes float32, float64, int8, uint8, int32, int64 and bool (the element
// type i1 of masks: one byte, 0 or 1).
//
// The reader checks everything the header claims against the bytes it has
// before it allocates anything, and turns every problem into an llvm::Error
// that starts with the file's name, says what is wrong and what was expected.
// It is stricter than numpy.load in one respect: bytes after the data the
// header describes are an error (numpy ignores them), since they mostly mean
// a wrong shape in the header or several arrays saved into one file.
//
// The writer produces the bytes np.save produces (version 1.0, which holds
// the header of any array of at most kMaxNpyRank dimensions; the header padded
// with spaces so that the data starts at a multiple of 64 bytes, and ended by
// '\n') and replaces the destination atomically.
//
//===----------------------------------------------------------------------===//

#ifndef EQQUANT_SUPPORT_NPY_H
#define EQQUANT_SUPPORT_NPY_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace llvm {
class raw_ostream;
} // namespace llvm

namespace mlir::eqq {

/// The most dimensions an array may have: numpy's limit (NPY_MAXDIMS of
/// numpy 2; numpy 1 allows 32).
constexpr size_t kMaxNpyRank = 64;

/// The element types a .npy file may hold.
enum class NpyDType { F32, F64, I8, U8, I32, I64, Bool };

/// NumPy's name of `dtype`: "float32", "float64", "int8", "uint8", "int32",
/// "int64" or "bool".
llvm::StringRef getNpyDTypeName(NpyDType dtype);

/// The header's `descr` of `dtype` as np.save writes it: "<f4", "<f8", "|i1",
/// "|u1", "<i4", "<i8" or "|b1".
llvm::StringRef getNpyDTypeDescr(NpyDType dtype);

/// The size of one element of `dtype` in bytes.
size_t getNpyDTypeSize(NpyDType dtype);

/// The dtype named `name` ("float32", ...), or std::nullopt.
std::optional<NpyDType> parseNpyDTypeName(llvm::StringRef name);

/// The NpyDType of the C++ element type T (float, double, int8_t, uint8_t,
/// int32_t, int64_t); other types do not compile.
template <typename T> struct NpyDTypeOf;
template <> struct NpyDTypeOf<float> {
  static constexpr NpyDType value = NpyDType::F32;
};
template <> struct NpyDTypeOf<double> {
  static constexpr NpyDType value = NpyDType::F64;
};
template <> struct NpyDTypeOf<int8_t> {
  static constexpr NpyDType value = NpyDType::I8;
};
template <> struct NpyDTypeOf<uint8_t> {
  static constexpr NpyDType value = NpyDType::U8;
};
template <> struct NpyDTypeOf<int32_t> {
  static constexpr NpyDType value = NpyDType::I32;
};
template <> struct NpyDTypeOf<int64_t> {
  static constexpr NpyDType value = NpyDType::I64;
};

/// "5x5 float32", "7 int8", "scalar float64": a dtype and shape for messages.
/// Negative dimensions (ShapedType::kDynamic) print as '?'.
std::string formatNpyType(NpyDType dtype, llvm::ArrayRef<int64_t> shape);

/// A dense row-major (C order) array: a dtype, a shape and the elements in
/// native byte order, in storage aligned for any of the dtypes. Move-only, as
/// arrays can be large.
class NpyArray {
public:
  /// A zero-filled array. `shape` must have at most kMaxNpyRank non-negative
  /// dimensions whose product, times the element size, fits in int64_t.
  NpyArray(NpyDType dtype, llvm::ArrayRef<int64_t> shape);
  NpyArray(NpyArray &&) = default;
  NpyArray &operator=(NpyArray &&) = default;
  NpyArray(const NpyArray &) = delete;
  NpyArray &operator=(const NpyArray &) = delete;

  NpyDType getDType() const { return dtype; }
  llvm::ArrayRef<int64_t> getShape() const { return shape; }
  int64_t getRank() const { return shape.size(); }
  /// The product of the dimensions (1 for a scalar).
  int64_t getNumElements() const { return numElements; }
  size_t getNumBytes() const {
    return static_cast<size_t>(numElements) * getNpyDTypeSize(dtype);
  }
  /// formatNpyType of this array: "5x5 float32".
  std::string getTypeString() const { return formatNpyType(dtype, shape); }

  /// The elements as raw bytes in native byte order.
  llvm::ArrayRef<char> getBytes() const { return {data.get(), getNumBytes()}; }
  llvm::MutableArrayRef<char> getMutableBytes() {
    return {data.get(), getNumBytes()};
  }

  /// The elements as T, which must be the C++ type of the dtype.
  template <typename T> llvm::ArrayRef<T> getValues() const {
    assert(NpyDTypeOf<T>::value == dtype && "T does not match the dtype");
    return {reinterpret_cast<const T *>(data.get()),
            static_cast<size_t>(numElements)};
  }
  template <typename T> llvm::MutableArrayRef<T> getMutableValues() {
    assert(NpyDTypeOf<T>::value == dtype && "T does not match the dtype");
    return {reinterpret_cast<T *>(data.get()),
            static_cast<size_t>(numElements)};
  }

private:
  NpyDType dtype;
  llvm::SmallVector<int64_t> shape;
  int64_t numElements = 1;
  /// Aligned for any dtype: operator new[] aligns to at least
  /// __STDCPP_DEFAULT_NEW_ALIGNMENT__ (checked in Npy.cpp).
  std::unique_ptr<char[]> data;
};

/// Parses the contents of a .npy file: versions 1.0, 2.0 and 3.0; the header
/// dict with its keys in any order, either quotes, any whitespace, with or
/// without trailing commas; descr '<f4', '<f8', '<i4', '<i8', or 'i1'/'u1'
/// with any byte-order character. Rejects anything else, and Fortran order,
/// negative or overflowing dimensions, more than kMaxNpyRank of them, fewer
/// or more data bytes than the header describes. Errors start with
/// `nameForErrors`, e.g. "x.npy: truncated: the header describes 5x5 float32
/// (100 bytes of data) but the file holds only 60 bytes after the header".
llvm::Expected<NpyArray> parseNpy(llvm::StringRef bytes,
                                  llvm::StringRef nameForErrors);

/// Reads and parses the .npy file at `path`. Errors start with `path`.
llvm::Expected<NpyArray> readNpy(llvm::StringRef path);

/// Checks that `array` has `dtype` and `shape`, where a negative dimension
/// (ShapedType::kDynamic) matches any size. The error reads
/// "<name>: expected 4x8 float32, got 4x9 float32".
llvm::Error checkNpyType(const NpyArray &array, NpyDType dtype,
                         llvm::ArrayRef<int64_t> shape, llvm::StringRef name);

/// Checks that a float array holds no NaN or Inf (other dtypes pass). The
/// error names the first bad element:
/// "<name>: NaN at index (1, 2); <requirement>".
llvm::Error checkNpyFinite(const NpyArray &array, llvm::StringRef name,
                           llvm::StringRef requirement);

/// Writes `array` in .npy format to `os`, byte for byte what np.save writes.
/// Check `os` for errors afterwards.
void writeNpy(llvm::raw_ostream &os, const NpyArray &array);

/// Writes `array` to the file `path`, atomically: through a temporary file in
/// the same directory (removed on error, and by LLVM's signal handlers if the
/// process is killed) that is renamed over `path` once complete, so that
/// `path` is either left as it was or replaced whole. Errors start with
/// `path`.
llvm::Error writeNpy(llvm::StringRef path, const NpyArray &array);

} // namespace mlir::eqq

#endif // EQQUANT_SUPPORT_NPY_H
