//===- ModelRunnerTest.cpp - passes that run the model, without the JIT ---===//
//
// This executable links EqQuantTransforms alone (no code generation, no
// JIT): the passes that run the model reach it only through the
// EqqModelRunnerInterface, fail with an error naming what to register when
// there is none, and take what a registered runner returns.
//
//===----------------------------------------------------------------------===//

#include "EqQuant/Transforms/ModelRunner.h"
#include "EqQuant/Dialect/EqqDialect.h"
#include "EqQuant/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include "gtest/gtest.h"

#include <string>
#include <vector>

using namespace mlir;
using namespace mlir::eqq;

namespace {

/// A linear layer prepared by --eqq-prepare: an activation observer on the
/// input, an input-equalization observer in front of the matmul, one on the
/// output. With `calibrated`, the observers hold statistics.
std::string getModule(bool calibrated) {
  auto stats = [&](const char *s) { return calibrated ? std::string(s) : ""; };
  return R"mlir(
func.func @forward(%x: tensor<2x3xf32>) -> tensor<2x4xf32> {
  %0 = eqq.act_observer %x minmax quint8 per_tensor_affine range [0, 127] )mlir" +
         stats("{max_val = array<f32: 4.0>, min_val = array<f32: -2.0>}") +
         R"mlir( : tensor<2x3xf32>
  %w = arith.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0], [1.0, 0.0, -1.0]]> : tensor<4x3xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  %1 = eqq.input_eq_observer %0 axis 1 quint8 per_tensor_symmetric )mlir" +
         stats("{max_val = array<f32: 1.0, 4.0, 3.0>, min_val = array<f32: "
               "0.5, -2.0, -1.0>}") +
         R"mlir( : tensor<2x3xf32>
  %2 = eqq.weight_eq_observer %w qint8 per_channel_symmetric : tensor<4x3xf32>
  %3 = eqq.weight_observer %2 minmax qint8 per_tensor_symmetric : tensor<4x3xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%1, %3 : tensor<2x3xf32>, tensor<4x3xf32>) outs(%init : tensor<2x4xf32>) -> tensor<2x4xf32>
  %4 = eqq.act_observer %y minmax quint8 per_tensor_affine range [0, 127] )mlir" +
         stats("{max_val = array<f32: 27.0>, min_val = array<f32: -22.0>}") +
         R"mlir( : tensor<2x4xf32>
  return %4 : tensor<2x4xf32>
}
)mlir";
}

/// The batches the fake runner was asked to run, in order.
std::vector<std::string> batchesRun;

/// Returns, for every picked value, a tensor of its shape filled with -1.5
/// (a minimum reduction), 2.5 (a maximum reduction) or 0.5 (an observed
/// tensor itself, as calibration picks for its samples).
struct FakeRunner : InstrumentedRunner {
  std::vector<NpyArray> results;
  llvm::Error runBatch(llvm::StringRef path) override {
    batchesRun.push_back(path.str());
    return llvm::Error::success();
  }
  llvm::ArrayRef<NpyArray> getPickedResults() const override { return results; }
};

struct FakeModelRunner : EqqModelRunnerInterface {
  using EqqModelRunnerInterface::EqqModelRunnerInterface;
  llvm::Expected<std::unique_ptr<InstrumentedRunner>>
  compileInstrumented(ModuleOp module, llvm::StringRef entry,
                      InstrumentFn instrument) const override {
    OwningOpRef<ModuleOp> clone = module.clone();
    auto func = clone->lookupSymbol<func::FuncOp>(entry);
    if (!func)
      return llvm::createStringError("no @" + entry.str());
    auto runner = std::make_unique<FakeRunner>();
    for (Value value : instrument(func)) {
      auto type = cast<RankedTensorType>(value.getType());
      NpyArray &array =
          runner->results.emplace_back(NpyDType::F32, type.getShape());
      float fill = 0.5f;
      if (auto reduce = value.getDefiningOp<linalg::ReduceOp>()) {
        bool isMin = false;
        reduce.getBody()->walk([&](arith::MinimumFOp) { isMin = true; });
        fill = isMin ? -1.5f : 2.5f;
      }
      for (float &x : array.getMutableValues<float>())
        x = fill;
    }
    return runner;
  }
};

class ModelRunnerTest : public ::testing::Test {
protected:
  void SetUp() override { batchesRun.clear(); }

  /// A context with the dialects of a prepared module, and the fake runner
  /// when `withRunner`.
  std::unique_ptr<MLIRContext> makeContext(bool withRunner) {
    DialectRegistry registry;
    registry.insert<EqqDialect, arith::ArithDialect, func::FuncDialect,
                    linalg::LinalgDialect, quant::QuantDialect,
                    tensor::TensorDialect>();
    if (withRunner)
      registry.addExtension(+[](MLIRContext *, EqqDialect *dialect) {
        dialect->addInterfaces<FakeModelRunner>();
      });
    return std::make_unique<MLIRContext>(registry);
  }

  /// Runs `pass` on `module`; returns the errors it reported, or
  /// std::nullopt when it succeeded.
  std::optional<std::string> run(ModuleOp module, std::unique_ptr<Pass> pass) {
    std::string errors;
    ScopedDiagnosticHandler handler(module.getContext(), [&](Diagnostic &d) {
      if (d.getSeverity() == DiagnosticSeverity::Error)
        errors += d.str() + "\n";
      return success();
    });
    PassManager pm(module.getContext());
    pm.addPass(std::move(pass));
    if (succeeded(pm.run(module)))
      return std::nullopt;
    return errors;
  }
};

// Tests that --eqq-calibrate without a registered runner fails with an error
// that says what to link and register, and runs no batch.
TEST_F(ModelRunnerTest, CalibrateWithoutRunner) {
  std::unique_ptr<MLIRContext> context = makeContext(false);
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(getModule(false), context.get());
  ASSERT_TRUE(module);
  CalibratePassOptions options;
  options.data = {"batch.npy"};
  std::optional<std::string> errors =
      run(*module, createCalibratePass(options));
  ASSERT_TRUE(errors.has_value());
  EXPECT_NE(errors->find("eqq-calibrate: running the model needs a model "
                         "runner, and none is registered"),
            std::string::npos)
      << *errors;
  EXPECT_NE(errors->find("EqQuantRuntime"), std::string::npos) << *errors;
  EXPECT_NE(errors->find("registerModelRunner"), std::string::npos) << *errors;
  EXPECT_TRUE(batchesRun.empty());
}

// Tests that --eqq-convert with auto-alpha, which runs the model for the
// layers' inputs, fails the same way without a runner.
TEST_F(ModelRunnerTest, AutoAlphaWithoutRunner) {
  std::unique_ptr<MLIRContext> context = makeContext(false);
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(getModule(true), context.get());
  ASSERT_TRUE(module);
  ConvertPassOptions options;
  options.autoAlpha = true;
  options.data = {"batch.npy"};
  std::optional<std::string> errors = run(*module, createConvertPass(options));
  ASSERT_TRUE(errors.has_value());
  EXPECT_NE(errors->find("eqq-convert: auto-alpha: running the model needs "
                         "a model runner, and none is registered"),
            std::string::npos)
      << *errors;
}

// Tests that --eqq-calibrate runs each batch through the registered runner
// and folds what it returns into the observers: every minimum -1.5, every
// maximum 2.5, per tensor and per channel.
TEST_F(ModelRunnerTest, CalibrateThroughRunner) {
  std::unique_ptr<MLIRContext> context = makeContext(true);
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(getModule(false), context.get());
  ASSERT_TRUE(module);
  CalibratePassOptions options;
  options.data = {"a.npy", "b.npy"};
  std::optional<std::string> errors =
      run(*module, createCalibratePass(options));
  ASSERT_FALSE(errors.has_value()) << *errors;
  EXPECT_EQ(batchesRun, (std::vector<std::string>{"a.npy", "b.npy"}));
  int observers = 0;
  module->walk([&](Operation *op) {
    if (!isa<ActObserverOp, InputEqObserverOp>(op))
      return;
    ++observers;
    auto minVal = op->getAttrOfType<DenseF32ArrayAttr>("min_val");
    auto maxVal = op->getAttrOfType<DenseF32ArrayAttr>("max_val");
    ASSERT_TRUE(minVal && maxVal)
        << "no statistics on " << op->getName().getStringRef().str();
    size_t channels = isa<InputEqObserverOp>(op) ? 3 : 1;
    EXPECT_EQ(minVal.asArrayRef().vec(), std::vector<float>(channels, -1.5f));
    EXPECT_EQ(maxVal.asArrayRef().vec(), std::vector<float>(channels, 2.5f));
  });
  EXPECT_EQ(observers, 3);
}

} // namespace
