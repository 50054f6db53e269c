//===- FormulaTranslation.cpp - `--import-formula` for kred-translate -----===//

#include "kred/Dialect/Kred/IR/KredDialect.h"
#include "kred/Frontend/FormulaImport.h"
#include "kred/Frontend/SourceLimits.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Tools/mlir-translate/Translation.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/ManagedStatic.h"

using namespace mlir;
namespace cl = llvm::cl;

namespace {
/// Options of --import-formula, registered only by the tools that register
/// the translation.
struct ImportFormulaCLOptions {
  cl::opt<std::string> kernelName{
      "kernel-name", cl::desc("Name of the generated function"),
      cl::init("kernel")};
  cl::opt<std::string> dtype{
      "dtype",
      cl::desc("Element type of the inputs: float16, bfloat16, float32 or "
               "float64"),
      cl::init("float32")};
  cl::opt<std::string> reduction{
      "reduction",
      cl::desc("Reduction of a bare formula, by its KeOps name (Sum, "
               "LogSumExp, ArgKMin, ...)")};
  cl::opt<int> axis{"axis",
                    cl::desc("Axis of a bare formula's reduction, as in "
                             "pykeops: 0 reduces over i, 1 over j"),
                    cl::init(-1)};
  cl::opt<int64_t> k{"k", cl::desc("K of a bare formula's KMin/ArgKMin"),
                     cl::init(-1)};
  cl::opt<std::string> accType{
      "acc-type", cl::desc("Accumulation type of a sum: float32 or float64")};
  cl::opt<std::string> sumScheme{
      "sum-scheme", cl::desc("Summation scheme: direct, block or kahan")};
  cl::opt<int64_t> batchDims{"batch-dims",
                             cl::desc("Leading batch dimensions of the "
                                      "inputs and outputs"),
                             cl::init(0)};
  cl::opt<bool> ranges{"ranges",
                       cl::desc("Take KeOps' six block-sparse ranges arrays "
                                "after the outputs"),
                       cl::init(false)};
};
llvm::ManagedStatic<ImportFormulaCLOptions> clOptions;
} // namespace

void kred::registerFormulaImportTranslation() {
  *clOptions; // Registers the options.
  static TranslateToMLIRRegistration registration(
      "import-formula",
      "import a KeOps formula specification into the kred dialect",
      [](llvm::SourceMgr &sourceMgr,
         MLIRContext *context) -> OwningOpRef<Operation *> {
        FormulaImportOptions options;
        options.kernelName = clOptions->kernelName;
        options.dtype = clOptions->dtype;
        if (clOptions->reduction.getNumOccurrences())
          options.reduction = clOptions->reduction;
        if (clOptions->axis >= 0 || clOptions->axis.getNumOccurrences())
          options.axis = clOptions->axis;
        if (clOptions->k.getNumOccurrences())
          options.k = clOptions->k;
        options.batchDims = clOptions->batchDims;
        options.accType = clOptions->accType;
        options.sumScheme = clOptions->sumScheme;
        options.ranges = clOptions->ranges;
        // mlir-translate's handler prints through the SourceMgr.
        if (hasLongLines(sourceMgr, sourceMgr.getMainFileID()))
          quoteLongLinesByExcerpt(sourceMgr);
        return importFormula(sourceMgr, context, options);
      },
      [](DialectRegistry &registry) {
        registry.insert<kred::KredDialect, func::FuncDialect,
                        memref::MemRefDialect>();
      });
}
