//===- eqq-npy-tool.cpp - drives the .npy reader and writer for tests -----===//
//
// eqq-npy-tool print FILE...               "FILE: 2x3 float32: 1 2 3 4 5 6" or
//                                          "error: <message>" per file, all on
//                                          stdout; exit 1 if any file fails
// eqq-npy-tool copy IN OUT                 readNpy then writeNpy
// eqq-npy-tool fill DTYPE SHAPE OUT        writes element i = i * 0.25 - 3
//                                          (floats) or i * 7 - 50 (integers,
//                                          wrapping)
// eqq-npy-tool check FILE DTYPE SHAPE      checkNpyType ('?' is any size)
//
// SHAPE is "2x3", "5" or "scalar". Floats print with 9 (float32) or 17
// (float64) significant digits, which round-trip exactly.
//
//===----------------------------------------------------------------------===//

#include "EqQuant/Support/Npy.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>

using namespace mlir::eqq;

template <typename T>
static void printValues(const NpyArray &array, llvm::raw_ostream &os) {
  for (T value : array.getValues<T>()) {
    os << ' ';
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(value))
        os << "nan";
      else
        os << llvm::format(sizeof(T) == 4 ? "%.9g" : "%.17g",
                           static_cast<double>(value));
    } else {
      os << static_cast<int64_t>(value);
    }
  }
}

static void print(const NpyArray &array, llvm::raw_ostream &os) {
  switch (array.getDType()) {
  case NpyDType::F32:
    return printValues<float>(array, os);
  case NpyDType::F64:
    return printValues<double>(array, os);
  case NpyDType::I8:
    return printValues<int8_t>(array, os);
  case NpyDType::U8:
    return printValues<uint8_t>(array, os);
  case NpyDType::I32:
    return printValues<int32_t>(array, os);
  case NpyDType::I64:
    return printValues<int64_t>(array, os);
  case NpyDType::Bool:
    for (char byte : array.getBytes())
      os << (byte ? " true" : " false");
    return;
  }
}

template <typename T> static void fillValues(NpyArray &array) {
  llvm::MutableArrayRef<T> values = array.getMutableValues<T>();
  for (size_t i = 0, e = values.size(); i < e; ++i) {
    if constexpr (std::is_floating_point_v<T>)
      values[i] = static_cast<T>(static_cast<double>(i) * 0.25 - 3);
    else
      values[i] = static_cast<T>(static_cast<int64_t>(i) * 7 - 50);
  }
}

static void fill(NpyArray &array) {
  switch (array.getDType()) {
  case NpyDType::F32:
    return fillValues<float>(array);
  case NpyDType::F64:
    return fillValues<double>(array);
  case NpyDType::I8:
    return fillValues<int8_t>(array);
  case NpyDType::U8:
    return fillValues<uint8_t>(array);
  case NpyDType::I32:
    return fillValues<int32_t>(array);
  case NpyDType::I64:
    return fillValues<int64_t>(array);
  case NpyDType::Bool: {
    llvm::MutableArrayRef<char> bytes = array.getMutableBytes();
    for (size_t i = 0, e = bytes.size(); i < e; ++i)
      bytes[i] = i % 3 == 0;
    return;
  }
  }
}

static llvm::Error usage() {
  return llvm::createStringError(
      "usage: eqq-npy-tool print FILE... | copy IN OUT | fill DTYPE SHAPE OUT "
      "| check FILE DTYPE SHAPE");
}

static llvm::Expected<NpyDType> parseDType(llvm::StringRef name) {
  if (std::optional<NpyDType> dtype = parseNpyDTypeName(name))
    return *dtype;
  return llvm::createStringError("unknown dtype '" + name + "'");
}

/// "2x?x3" ('?' is -1), "5" or "scalar".
static llvm::Expected<llvm::SmallVector<int64_t>>
parseShape(llvm::StringRef text) {
  llvm::SmallVector<int64_t> shape;
  if (text == "scalar")
    return shape;
  llvm::SmallVector<llvm::StringRef> dims;
  text.split(dims, 'x');
  for (llvm::StringRef dim : dims) {
    int64_t size = -1;
    if (dim != "?" && (dim.getAsInteger(10, size) || size < 0))
      return llvm::createStringError("bad shape '" + text + "'");
    shape.push_back(size);
  }
  return shape;
}

static llvm::Error run(llvm::ArrayRef<llvm::StringRef> args) {
  if (args.empty())
    return usage();
  llvm::StringRef command = args.front();
  args = args.drop_front();

  if (command == "print" && !args.empty()) {
    bool failed = false;
    for (llvm::StringRef path : args) {
      llvm::Expected<NpyArray> array = readNpy(path);
      if (!array) {
        // The message starts with the path.
        llvm::outs() << "error: " << llvm::toString(array.takeError()) << '\n';
        failed = true;
        continue;
      }
      llvm::outs() << path << ": " << array->getTypeString() << ':';
      print(*array, llvm::outs());
      llvm::outs() << '\n';
    }
    return failed ? llvm::createStringError("some files failed")
                  : llvm::Error::success();
  }

  if (command == "copy" && args.size() == 2) {
    llvm::Expected<NpyArray> array = readNpy(args[0]);
    if (!array)
      return array.takeError();
    return writeNpy(args[1], *array);
  }

  if (command == "fill" && args.size() == 3) {
    llvm::Expected<NpyDType> dtype = parseDType(args[0]);
    if (!dtype)
      return dtype.takeError();
    llvm::Expected<llvm::SmallVector<int64_t>> shape = parseShape(args[1]);
    if (!shape)
      return shape.takeError();
    NpyArray array(*dtype, *shape);
    fill(array);
    return writeNpy(args[2], array);
  }

  if (command == "check" && args.size() == 3) {
    llvm::Expected<NpyArray> array = readNpy(args[0]);
    if (!array)
      return array.takeError();
    llvm::Expected<NpyDType> dtype = parseDType(args[1]);
    if (!dtype)
      return dtype.takeError();
    llvm::Expected<llvm::SmallVector<int64_t>> shape = parseShape(args[2]);
    if (!shape)
      return shape.takeError();
    if (llvm::Error e = checkNpyType(*array, *dtype, *shape, args[0]))
      return e;
    llvm::outs() << "ok\n";
    return llvm::Error::success();
  }

  return usage();
}

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  llvm::SmallVector<llvm::StringRef> args(argv + 1, argv + argc);
  if (llvm::Error e = run(args)) {
    llvm::outs().flush();
    llvm::WithColor::error(llvm::errs(), "eqq-npy-tool")
        << llvm::toString(std::move(e)) << '\n';
    return 1;
  }
  return 0;
}
