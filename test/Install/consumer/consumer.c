//===- consumer.c - a C program built against an installed EqQuant --------===//
//
// Runs an EqQuant pass pipeline on a module through the C API and prints
// the result; on an error, prints the errors and exits with 1:
//
//   consumer-c MODEL.mlir "eqq-prepare,eqq-calibrate{data=x.npy},eqq-convert"
//
//===----------------------------------------------------------------------===//

#include "EqQuant-c/Dialects.h"
#include "EqQuant-c/Pipeline.h"

#include "mlir-c/IR.h"
#include "mlir-c/Support.h"

#include <stdio.h>

static void print(MlirStringRef text, void *stream) {
  fwrite(text.data, 1, text.length, (FILE *)stream);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: consumer-c MODEL.mlir PIPELINE\n");
    return 2;
  }
  MlirContext context = mlirContextCreate();
  MlirDialectRegistry registry = mlirDialectRegistryCreate();
  mlirEqQuantRegisterAllDialects(registry);
  mlirContextAppendDialectRegistry(context, registry);
  mlirDialectRegistryDestroy(registry);

  int status = 1;
  MlirModule module = mlirModuleCreateParseFromFile(
      context, mlirStringRefCreateFromCString(argv[1]));
  if (!mlirModuleIsNull(module)) {
    MlirLogicalResult result = mlirEqQuantRunPipeline(
        module, mlirStringRefCreateFromCString(argv[2]), print, stderr);
    if (mlirLogicalResultIsSuccess(result)) {
      mlirOperationPrint(mlirModuleGetOperation(module), print, stdout);
      fputc('\n', stdout);
      status = 0;
    }
    mlirModuleDestroy(module);
  }
  mlirContextDestroy(context);
  return status;
}
