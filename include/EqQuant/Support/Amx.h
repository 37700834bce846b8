//===- Amx.h - the AMX tile registers of this process -----------*- C++ -*-===//

#ifndef EQQUANT_SUPPORT_AMX_H
#define EQQUANT_SUPPORT_AMX_H

#if defined(__linux__) && defined(__x86_64__)
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace mlir::eqq {

/// Asks Linux for the AMX tile data registers for this process (every
/// thread): arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA). Until it
/// is granted, tile instructions fault. True when granted (again: asking
/// twice is harmless); false elsewhere.
inline bool requestAmxTiles() {
#if defined(__linux__) && defined(__x86_64__)
  constexpr long archReqXcompPerm = 0x1023, xfeatureXtiledata = 18;
  return syscall(SYS_arch_prctl, archReqXcompPerm, xfeatureXtiledata) == 0;
#else
  return false;
#endif
}

} // namespace mlir::eqq

#endif // EQQUANT_SUPPORT_AMX_H
