//===- npy.cpp - libFuzzer target: the .npy reader ------------------------===//
//
// Parses the input as the contents of a .npy file. Errors are expected; what
// the reader accepts must survive a write and a second read unchanged.
//
//===----------------------------------------------------------------------===//

#include "EqQuant/Support/Npy.h"

#include "llvm/Support/raw_ostream.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>

using namespace mlir::eqq;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  llvm::Expected<NpyArray> array = parseNpy(bytes, "fuzz.npy");
  if (!array) {
    // Every error names the input.
    std::string message = llvm::toString(array.takeError());
    if (!llvm::StringRef(message).starts_with("fuzz.npy: "))
      std::abort();
    return 0;
  }
  if (llvm::Error e = checkNpyType(*array, array->getDType(), array->getShape(),
                                   "fuzz.npy"))
    std::abort();

  std::string written;
  llvm::raw_string_ostream os(written);
  writeNpy(os, *array);
  llvm::Expected<NpyArray> reread = parseNpy(written, "written.npy");
  if (!reread || reread->getDType() != array->getDType() ||
      reread->getShape() != array->getShape() ||
      reread->getBytes() != array->getBytes())
    std::abort();
  return 0;
}
