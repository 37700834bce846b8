//===- eqq-capi-test.c - drive EqQuant through its C API ------------------===//
//
// Loads a module, transforms it through EqQuant's C API and prints it:
//
//   eqq-capi-test MODEL.mlir PIPELINE
//       mlirEqQuantRunPipeline, errors through its callback
//   eqq-capi-test --no-callback MODEL.mlir PIPELINE
//       mlirEqQuantRunPipeline without a callback
//   eqq-capi-test --prepare-pass MODEL.mlir
//       a pass manager holding mlirCreateEqQuantPreparePass()
//
// The context's diagnostic handler prints every diagnostic that reaches it
// as `handler: SEVERITY: MESSAGE`; the callback's errors are printed as they
// come. Upstream transforms (canonicalize, cse, ...) may be named in
// PIPELINE. When the pipeline fails it exits with 1.
//
//===----------------------------------------------------------------------===//

#include "EqQuant-c/Dialects.h"
#include "EqQuant-c/Passes.h"
#include "EqQuant-c/Pipeline.h"

#include "mlir-c/Diagnostics.h"
#include "mlir-c/IR.h"
#include "mlir-c/Pass.h"
#include "mlir-c/Support.h"
#include "mlir-c/Transforms.h"

#include <stdio.h>
#include <string.h>

static void writeToFile(MlirStringRef text, void *userData) {
  fwrite(text.data, 1, text.length, (FILE *)userData);
}

static MlirLogicalResult handleDiagnostic(MlirDiagnostic diagnostic,
                                          void *userData) {
  (void)userData;
  static const char *const severities[] = {"error", "warning", "note",
                                           "remark"};
  fprintf(stderr,
          "handler: %s: ", severities[mlirDiagnosticGetSeverity(diagnostic)]);
  mlirDiagnosticPrint(diagnostic, writeToFile, stderr);
  fputc('\n', stderr);
  return mlirLogicalResultSuccess();
}

static int usage(void) {
  fprintf(stderr, "usage: eqq-capi-test [--no-callback] MODEL.mlir PIPELINE\n"
                  "       eqq-capi-test --prepare-pass MODEL.mlir\n");
  return 2;
}

int main(int argc, char **argv) {
  int preparePass = argc == 3 && strcmp(argv[1], "--prepare-pass") == 0;
  int noCallback = argc == 4 && strcmp(argv[1], "--no-callback") == 0;
  if (!preparePass && argc != 3 + noCallback)
    return usage();
  const char *path = argv[argc - (preparePass ? 1 : 2)];
  const char *pipeline = argv[argc - 1];

  MlirDialectHandle eqq = mlirGetDialectHandle__eqq__();
  MlirStringRef eqqNamespace = mlirDialectHandleGetNamespace(eqq);
  if (eqqNamespace.length != 3 || strncmp(eqqNamespace.data, "eqq", 3) != 0) {
    fprintf(stderr, "eqq-capi-test: the eqq handle names another dialect\n");
    return 1;
  }

  MlirContext context = mlirContextCreate();
  mlirContextAttachDiagnosticHandler(context, handleDiagnostic, NULL, NULL);
  MlirDialectRegistry registry = mlirDialectRegistryCreate();
  mlirEqQuantRegisterAllDialects(registry);
  mlirContextAppendDialectRegistry(context, registry);
  mlirDialectRegistryDestroy(registry);
  if (mlirDialectIsNull(mlirDialectHandleLoadDialect(eqq, context))) {
    fprintf(stderr, "eqq-capi-test: cannot load the eqq dialect\n");
    mlirContextDestroy(context);
    return 1;
  }
  // Twice: the second call does nothing.
  mlirEqQuantRegisterAllPasses();
  mlirEqQuantRegisterAllPasses();
  mlirRegisterTransformsPasses();

  MlirModule module = mlirModuleCreateParseFromFile(
      context, mlirStringRefCreateFromCString(path));
  if (mlirModuleIsNull(module)) {
    fprintf(stderr, "eqq-capi-test: cannot read a module from %s\n", path);
    mlirContextDestroy(context);
    return 1;
  }

  MlirLogicalResult result;
  if (preparePass) {
    MlirPassManager pm = mlirPassManagerCreate(context);
    mlirPassManagerAddOwnedPass(pm, mlirCreateEqQuantPreparePass());
    result = mlirPassManagerRunOnOp(pm, mlirModuleGetOperation(module));
    mlirPassManagerDestroy(pm);
  } else {
    result = mlirEqQuantRunPipeline(
        module, mlirStringRefCreateFromCString(pipeline),
        noCallback ? NULL : writeToFile, noCallback ? NULL : stderr);
  }

  if (mlirLogicalResultIsSuccess(result)) {
    mlirOperationPrint(mlirModuleGetOperation(module), writeToFile, stdout);
    fputc('\n', stdout);
  } else {
    fprintf(stderr, "eqq-capi-test: the pipeline failed\n");
  }
  mlirModuleDestroy(module);
  mlirContextDestroy(context);
  return mlirLogicalResultIsSuccess(result) ? 0 : 1;
}
