//===- Pipelines.cpp - the --eqq-lower-to-llvm pipeline -------------------===//

#include "EqQuant/CodeGen/Pipelines.h"
#include "EqQuant/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/TargetParser/Host.h"

using namespace mlir;
using namespace mlir::eqq;

/// Whether the target has AVX-512's 32 vector registers of 16 floats: yes
/// for the ISAs that imply it, no for avx2, else (host, portable, none)
/// what the compiling CPU has.
static bool hasAvx512(Int8Isa isa) {
  switch (isa) {
  case Int8Isa::amx:
  case Int8Isa::vbmi:
  case Int8Isa::vnni:
    return true;
  case Int8Isa::avx2:
    return false;
  case Int8Isa::host:
  case Int8Isa::portable:
  case Int8Isa::none:
    break;
  }
  return llvm::sys::getHostCPUFeatures().lookup("avx512f");
}

void mlir::eqq::buildLowerToLLVMPipeline(OpPassManager &pm,
                                         const LowerToLLVMOptions &options) {
  // Record the tensor signature; eqq ops -> linalg; fuse elementwise chains.
  pm.addPass(createEmitCInterfacePass());
  pm.addPass(createLowerOpsPass());
  pm.addPass(createFuseElementwisePass());
  if (options.lookupTables)
    pm.addPass(createLookupTablesPass());
  pm.addPass(createCanonicalizerPass());

  // Tensors -> buffers; results become out-parameters after the inputs.
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  bufferization::BufferResultsToOutParamsPassOptions outParams;
  outParams.hoistStaticAllocs = true;
  outParams.modifyPublicFunctions = true;
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
  // The float kernels' register tiles: 16 accumulators of 16 floats on
  // AVX-512 (32 zmm); on AVX2 (16 ymm, a vector of 16 floats in 2) 6 x 16
  // floats, with the operands beside them: AVX-512's tiles spilled there.
  bool avx512 = hasAvx512(options.isa);
  MatmulKernelsPassOptions matmul;
  FloatConvKernelsPassOptions floatConv;
  if (!avx512) {
    matmul.rowTile = 6;
    matmul.colTile = 16;
    floatConv.rowTile = 6;
    floatConv.vectorTile = 1;
  }
  // The int8 products of two activations are int8 kernels: none with
  // isa=none, the generic loops every other path must equal.
  matmul.integerProducts = options.isa != Int8Isa::none;
  pm.addPass(createMatmulKernelsPass(matmul));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createSymbolDCEPass());
  bufferization::buildBufferDeallocationPipeline(pm);
  // After deallocation: the dot-product intrinsics have no declared memory
  // effects, which the deallocation analysis rejects.
  Int8KernelsPassOptions kernels;
  kernels.isaName = options.isa;
  kernels.convLanes = options.convLanes;
  pm.addPass(createInt8KernelsPass(kernels));
  pm.addPass(createFloatConvKernelsPass(floatConv));
  pm.addPass(createVectorizeElementwisePass());
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(createFuseRowLoopsPass());
  pm.addPass(createSymbolDCEPass());
  pm.addPass(createOutlineLoopsPass());
  pm.addPass(createPlanBuffersPass());
  // The kernels' scf.parallel loops: OpenMP threads, or plain loops.
  if (options.threads != 1) {
    ParallelGrainPassOptions grain;
    grain.minWork = options.minParallelWork;
    pm.addPass(createParallelGrainPass(grain));
    ConvertSCFToOpenMPPassOptions openmp;
    openmp.numThreads = options.threads;
    pm.addPass(createConvertSCFToOpenMPPass(openmp));
    pm.addPass(createInlineAllocaScopesPass());
    pm.addPass(createDropLoopBarriersPass());
  }

  // Loops, then LLVM. After outlining a network is a function per layer:
  // the conversions that need no module-wide view run function by
  // function, on every thread the context has.
  pm.addPass(createLowerCopiesPass());
  OpPassManager &func = pm.nest<func::FuncOp>();
  func.addPass(createConvertLinalgToLoopsPass());
  func.addPass(createLowerAffinePass());
  func.addPass(createConvertVectorToSCFPass());
  func.addPass(createSCFToControlFlowPass());
  func.addPass(memref::createExpandStridedMetadataPass());
  func.addPass(createLowerAffinePass());
  // Before the vector conversion: an approximation of a vector math op is
  // built of vector-typed arith ops (and broadcasts of its constants).
  func.addPass(createExpandMathPass());
  // AMX tile ops (the int8 conv kernels with isa=amx) lower here too.
  ConvertVectorToLLVMPassOptions vectorToLLVM;
  vectorToLLVM.amx = true;
  func.addPass(createConvertVectorToLLVMPass(vectorToLLVM));
  func.addPass(createConvertMathToLLVMPass());
  func.addPass(createArithToLLVMConversionPass());
  func.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addNestedPass<LLVM::LLVMFuncOp>(createCanonicalizerPass());
  pm.addPass(createSymbolDCEPass());
}

void mlir::eqq::registerPipelines() {
  PassPipelineRegistration<LowerToLLVMOptions>(
      "eqq-lower-to-llvm",
      "Lower an EqQuant module at any stage to the LLVM dialect",
      buildLowerToLLVMPipeline);
}
