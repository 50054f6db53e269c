//===- KernelSource.cpp - the kernel a tool reads: a file or --formula ----===//

#include "KernelSource.h"

#include "kred/Frontend/FormulaImport.h"
#include "kred/Frontend/SourceLimits.h"
#include "kred/InitAll.h"
#include "kred/Runtime/Runtime.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Parser/Parser.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;
using namespace kred;
namespace cl = llvm::cl;

llvm::cl::OptionCategory &tools::getKernelSourceCategory() {
  static cl::OptionCategory category("kernel source options");
  return category;
}

static cl::opt<std::string> inputFile(cl::Positional,
                                      cl::desc("<kernel.mlir | formula file>"),
                                      cl::cat(tools::getKernelSourceCategory()));
static cl::opt<std::string> formula(
    "formula", cl::desc("A KeOps formula specification (instead of a file)"),
    cl::cat(tools::getKernelSourceCategory()));
static cl::opt<std::string> dtype("dtype",
                                  cl::desc("Formula inputs' dtype: float16, "
                                           "bfloat16, float32 or float64"),
                                  cl::init("float32"),
                                  cl::cat(tools::getKernelSourceCategory()));
static cl::opt<std::string> reduction(
    "reduction", cl::desc("Reduction of a bare formula (KeOps name)"),
    cl::cat(tools::getKernelSourceCategory()));
static cl::opt<int> axis("axis",
                         cl::desc("Axis of a bare formula's reduction "
                                  "(pykeops: 0 over i, 1 over j)"),
                         cl::init(-1), cl::cat(tools::getKernelSourceCategory()));
static cl::opt<int64_t> kOption("k", cl::desc("K of a bare KMin/ArgKMin"),
                                cl::init(-1),
                                cl::cat(tools::getKernelSourceCategory()));
static cl::opt<int64_t> batchDims("batch-dims",
                                  cl::desc("Leading batch dimensions of a "
                                           "formula's arrays"),
                                  cl::init(0),
                                  cl::cat(tools::getKernelSourceCategory()));

static cl::opt<bool> ranges("ranges",
                            cl::desc("A formula's kernel takes KeOps' six "
                                     "block-sparse ranges arrays after its "
                                     "outputs"),
                            cl::init(false),
                            cl::cat(tools::getKernelSourceCategory()));

llvm::StringRef tools::getFormulaDtype() { return dtype; }

std::string tools::describeKernelSource() {
  return formula.empty() ? inputFile.getValue() : "--formula \"" + formula + "\"";
}

static OwningOpRef<ModuleOp> parseOrImport(llvm::SourceMgr &sourceMgr,
                                           MLIRContext *context,
                                           std::string &error) {
  if (formula.empty() && llvm::StringRef(inputFile).ends_with(".mlir")) {
    if (auto oversized =
            findOversizedResultNumber(sourceMgr, sourceMgr.getMainFileID())) {
      error = llvm::formatv("{0}:{1}:{2}: error: {3}", oversized->getFilename(),
                            oversized->getLineNo(),
                            oversized->getColumnNo() + 1,
                            oversized->getMessage());
      return nullptr;
    }
    return parseSourceFile<ModuleOp>(sourceMgr, context);
  }
  FormulaImportOptions options;
  options.dtype = dtype;
  if (!reduction.empty())
    options.reduction = reduction;
  if (axis >= 0)
    options.axis = axis;
  if (kOption >= 0)
    options.k = kOption;
  options.batchDims = batchDims;
  options.ranges = ranges;
  return importFormula(sourceMgr, context, options);
}

llvm::Error tools::loadKernelSource(LoadedModule &loaded) {
  if (inputFile.empty() == formula.empty())
    return llvm::createStringError("give either a kernel file (.mlir or a "
                                   "formula specification) or --formula");
  auto inputType = runtime::parseElementTypeName(dtype);
  if (!inputType || *inputType == runtime::ElementType::I64)
    return llvm::createStringError(
        "--dtype is '" + dtype +
        "'; expected float16, bfloat16, float32 or float64");

  DialectRegistry registry;
  registerAllDialects(registry);
  loaded.context.appendDialectRegistry(registry);
  loaded.context.disableMultithreading();
  std::string diagnostics;
  llvm::raw_string_ostream os(diagnostics);
  ScopedDiagnosticHandler handler(&loaded.context, [&](Diagnostic &diag) {
    os << diag.getLocation() << ": error: " << diag << "\n";
    return success();
  });

  llvm::SourceMgr sourceMgr;
  std::unique_ptr<llvm::MemoryBuffer> buffer;
  if (!formula.empty()) {
    buffer = llvm::MemoryBuffer::getMemBufferCopy(formula, "<formula>");
  } else {
    auto file = llvm::MemoryBuffer::getFileOrSTDIN(inputFile);
    if (!file)
      return llvm::createStringError("cannot read '" + inputFile +
                                     "': " + file.getError().message());
    buffer = std::move(*file);
  }
  sourceMgr.AddNewSourceBuffer(std::move(buffer), llvm::SMLoc());
  std::string error;
  loaded.module = parseOrImport(sourceMgr, &loaded.context, error);
  if (!loaded.module)
    return llvm::createStringError(error.empty() ? diagnostics : error);
  llvm::raw_string_ostream text(loaded.text);
  loaded.module->print(text);
  return llvm::Error::success();
}
