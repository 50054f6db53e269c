//===- kred-run.cpp - compile and run a kred kernel on the CPU ------------===//
//
//   kred-run gaussian.kf -n 10000 -m 10000 --seed 0 --check --bench
//   kred-run kernel.mlir -i X=x.npy -i Y=y.npy -i B=b.npy -o out.npy
//
// Inputs come from .npy files (-i NAME=FILE, NAME being the alias or the
// position) or are generated uniformly in [-1, 1) from --seed with -n/-m
// rows (and --batch). Outputs go to .npy files (-o, in order) or stdout.
// --check compares with the float64 reference evaluator; --bench reports
// the median time of --repeat runs.
//
//===----------------------------------------------------------------------===//

#include "KernelSource.h"
#include "Npy.h"

#include "kred/Dialect/Kred/IR/Differentiation.h"
#include "kred/Dialect/Kred/IR/KredOps.h"
#include "kred/Frontend/FormulaImport.h"
#include "kred/Frontend/SourceLimits.h"
#include "kred/InitAll.h"
#include "kred/Reference/ReferenceEvaluator.h"
#include "kred/Runtime/Runtime.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <random>

using namespace mlir;
using namespace kred;
using runtime::ArgRole;
using runtime::ElementType;
namespace cl = llvm::cl;

static cl::OptionCategory category("kred-run options");
static cl::list<std::string> inputs("i", cl::desc("NAME=FILE.npy input"),
                                    cl::cat(category));
static cl::list<std::string> outputs("o", cl::desc("Output .npy file, in order"),
                                     cl::cat(category));
static cl::opt<int64_t> rowsI("n", cl::desc("Rows along i of generated inputs"),
                              cl::init(-1), cl::cat(category));
static cl::opt<int64_t> rowsJ("m", cl::desc("Rows along j of generated inputs"),
                              cl::init(-1), cl::cat(category));
static cl::list<int64_t> batch("batch", cl::CommaSeparated,
                               cl::desc("Batch shape of generated inputs"),
                               cl::cat(category));
static cl::opt<uint64_t> seed("seed", cl::desc("Seed of generated inputs"),
                              cl::init(0), cl::cat(category));
static cl::opt<bool> check("check",
                           cl::desc("Compare with the float64 reference; "
                                    "exit 1 on mismatch"),
                           cl::cat(category));
// --check's tolerances; -1: the dtype's default.
static cl::opt<double> relativeTolerance(
    "rtol",
    cl::desc("Relative tolerance of --check (default 1e-4 in float32, "
             "1e-10 in float64)"),
    cl::init(-1), cl::cat(category));
static cl::opt<double> absoluteTolerance(
    "atol", cl::desc("Absolute tolerance of --check"), cl::init(-1),
    cl::cat(category));
static cl::opt<bool> bench("bench", cl::desc("Time the kernel"),
                           cl::cat(category));
static cl::opt<int> repeat("repeat", cl::desc("Timed runs of --bench"),
                           cl::init(10), cl::cat(category));
static cl::opt<bool> json("json", cl::desc("Print timings as one JSON line"),
                          cl::cat(category));
static cl::opt<bool> quiet("quiet", cl::desc("Do not print outputs"),
                           cl::cat(category));
static cl::opt<std::string> targetName(
    "target",
    cl::desc("Where the kernel runs: cpu, gpu (CUDA device 0), cuda:N, or "
             "gpu-sim (the GPU target's kernels on the host by a SIMT "
             "simulator with a race checker: slow, a correctness tool)"),
    cl::init("cpu"), cl::cat(category));
static cl::opt<std::string> emitPtxFile(
    "emit-ptx",
    cl::desc("Write the kernels' PTX (kred-gpu-pipeline, chip sm_80 unless "
             "--pipeline-options names one) to this file and stop; needs no "
             "GPU"),
    cl::cat(category));
static cl::opt<std::string> pipelineOptions(
    "pipeline-options",
    cl::desc("kred-cpu-pipeline (or, with a GPU target, kred-gpu-pipeline) "
             "options, as kred-opt takes them ('vector-width=8 "
             "rows-per-chunk=1', 'chip=sm_90 block-size=256'); the flags "
             "below override"),
    cl::cat(category));
static cl::opt<bool> noFastMath("no-fast-math",
                                cl::desc("Use exact math functions"),
                                cl::cat(category));
static cl::opt<int64_t> vectorWidth("vector-width",
                                    cl::desc("SIMD lanes (0: the host's)"),
                                    cl::cat(category));
static cl::opt<int64_t> tileI("tile-i", cl::desc("Rows per parallel tile"),
                              cl::cat(category));
static cl::opt<int64_t> tileJ("tile-j", cl::desc("Columns per tile"),
                              cl::cat(category));
static cl::opt<bool> noOpenmp("no-openmp", cl::desc("Run on one thread"),
                              cl::cat(category));
static cl::opt<bool> noCache("no-cache", cl::desc("Bypass the disk cache"),
                             cl::cat(category));
static cl::opt<std::string> cacheDir("cache-dir",
                                     cl::desc("Disk cache folder"),
                                     cl::cat(category));

static cl::opt<std::string>
    kernelName("kernel",
               cl::desc("The kernel function to run, in a module of several"),
               cl::cat(category));

static int fail(const llvm::Twine &message) {
  llvm::errs() << "kred-run: error: " << message << "\n";
  return 2;
}

using tools::LoadedModule;

/// The kred.reduce of kernel function `name`.
static ReduceOp findReduce(ModuleOp module, llvm::StringRef name) {
  ReduceOp found;
  module.walk([&](ReduceOp op) {
    if (op->getParentOfType<func::FuncOp>().getSymName() == name)
      found = op;
  });
  return found;
}

/// The input arrays: read from -i files, or generated.
static llvm::Expected<std::vector<HostArray>>
makeInputs(const runtime::KernelSignature &signature) {
  std::vector<std::optional<HostArray>> arrays;
  std::vector<const runtime::ArgSpec *> specs;
  for (const auto &spec : signature.args)
    if (spec.role != ArgRole::Output)
      specs.push_back(&spec);
  arrays.resize(specs.size());
  for (const std::string &entry : inputs) {
    auto [name, path] = llvm::StringRef(entry).split('=');
    if (path.empty())
      return llvm::createStringError("-i expects NAME=FILE.npy, got '" + entry +
                                     "'");
    std::optional<size_t> at;
    for (size_t k = 0; k < specs.size(); ++k)
      if (specs[k]->name == name || std::to_string(k) == name)
        at = k;
    if (!at) {
      std::string names;
      for (const auto *s : specs)
        names += (names.empty() ? "" : ", ") + s->name;
      return llvm::createStringError("-i " + entry + ": the kernel has no input '" +
                                     name.str() + "' (its inputs: " + names + ")");
    }
    auto array = readNpy(path);
    if (!array)
      return array.takeError();
    arrays[*at] = std::move(*array);
  }
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  std::vector<HostArray> result;
  for (size_t k = 0; k < specs.size(); ++k) {
    if (arrays[k]) {
      result.push_back(std::move(*arrays[k]));
      continue;
    }
    const auto &spec = *specs[k];
    if (spec.role == ArgRole::Ranges)
      return llvm::createStringError(llvm::formatv(
          "the kernel is block-sparse: give its ranges arrays (int64 .npy, "
          "KeOps' layout), '{0}' with -i {0}=FILE.npy",
          spec.name).str());
    std::vector<int64_t> shape(batch.begin(), batch.end());
    if (static_cast<int64_t>(shape.size()) != signature.batchDims)
      return llvm::createStringError(llvm::formatv(
          "input '{0}' is neither given (-i) nor can be generated: --batch "
          "gives {1} batch dimensions, the kernel has {2}",
          spec.name, shape.size(), signature.batchDims).str());
    if (spec.role == ArgRole::IVariable || spec.role == ArgRole::JVariable ||
        spec.role == ArgRole::Unused) {
      int64_t rows = spec.role == ArgRole::JVariable ? rowsJ : rowsI;
      if (rows < 0)
        return llvm::createStringError(llvm::formatv(
            "input '{0}' is neither given (-i {0}=FILE.npy) nor can be "
            "generated: pass -{1} ROWS",
            spec.name, spec.role == ArgRole::JVariable ? "m" : "n").str());
      shape.push_back(rows);
    }
    shape.push_back(spec.dim);
    HostArray array = HostArray::zeros(spec.elementType, shape);
    for (int64_t e = 0, n = array.numElements(); e < n; ++e)
      array.set(e, uniform(rng));
    result.push_back(std::move(array));
  }
  return result;
}

/// Broadcast batch shape of the inputs.
static std::vector<int64_t> batchShapeOf(const runtime::KernelSignature &sig,
                                         const std::vector<HostArray> &ins) {
  std::vector<int64_t> shape(sig.batchDims, 1);
  for (const HostArray &a : ins)
    for (int64_t k = 0; k < sig.batchDims && k < (int64_t)a.shape.size(); ++k)
      if (a.shape[k] != 1)
        shape[k] = a.shape[k];
  return shape;
}

/// Rows along i and along j of the inputs (1 where no variable says: a
/// formula without j-variables reduces over one term, as in KeOps).
static std::array<int64_t, 2>
rowCounts(const runtime::KernelSignature &signature,
          const std::vector<HostArray> &ins) {
  std::array<int64_t, 2> rows = {1, 1};
  size_t k = 0;
  for (const auto &spec : signature.args) {
    if (spec.role == ArgRole::Output)
      continue;
    if ((spec.role == ArgRole::IVariable || spec.role == ArgRole::JVariable) &&
        (int64_t)ins[k].shape.size() > signature.batchDims)
      rows[spec.role == ArgRole::JVariable] = ins[k].shape[signature.batchDims];
    ++k;
  }
  return rows;
}

static std::vector<HostArray>
makeOutputs(const runtime::KernelSignature &signature,
            const std::vector<HostArray> &ins) {
  std::array<int64_t, 2> rows = rowCounts(signature, ins);
  std::vector<HostArray> outs;
  for (const auto &spec : signature.args) {
    if (spec.role != ArgRole::Output)
      continue;
    std::vector<int64_t> shape = batchShapeOf(signature, ins);
    shape.push_back(rows[signature.outputsIndexedByI ? 0 : 1]);
    shape.push_back(spec.dim);
    outs.push_back(HostArray::zeros(spec.elementType, shape));
  }
  return outs;
}

/// Compares outputs with the reference; prints each mismatch (up to 10).
static bool compareWithReference(ReduceOp op,
                                 const runtime::KernelSignature &signature,
                                 const std::vector<HostArray> &ins,
                                 const std::vector<HostArray> &outs,
                                 double relTol, double absTol) {
  std::vector<ReferenceArray> refInputs, refRanges;
  size_t k = 0;
  for (const auto &spec : signature.args) {
    if (spec.role == ArgRole::Output)
      continue;
    const HostArray &a = ins[k++];
    ReferenceArray r;
    r.shape = a.shape;
    for (int64_t e = 0, n = a.numElements(); e < n; ++e)
      r.data.push_back(a.get(e));
    (spec.role == ArgRole::Ranges ? refRanges : refInputs).push_back(std::move(r));
  }
  std::vector<std::vector<int64_t>> shapes;
  for (const HostArray &a : outs)
    shapes.push_back(a.shape);
  ReferenceEvaluator reference(op, refInputs, shapes);
  reference.setBlockSparseRanges(refRanges);
  auto expected = reference.evaluate();
  if (!expected) {
    llvm::errs() << "kred-run: error: " << llvm::toString(expected.takeError())
                 << "\n";
    return false;
  }
  int64_t batchRank = signature.batchDims;
  bool overJ = signature.outputsIndexedByI;
  int mismatches = 0;
  double worst = 0;
  for (size_t o = 0; o < outs.size(); ++o) {
    const HostArray &got = outs[o];
    const ReferenceOutput &ref = (*expected)[o];
    int64_t rows = got.shape[batchRank], width = got.shape.back();
    for (int64_t e = 0, n = got.numElements(); e < n; ++e) {
      double a = got.get(e), r = ref.values.data[e];
      bool ok;
      if (got.elementType == ElementType::I64) {
        // Another index is right if F is equally extreme there (up to the
        // tolerance): f32 rounding may reorder near-ties.
        ok = a == r;
        if (!ok && a >= 0 && r >= 0) {
          int64_t flatBatch = e / (rows * width), row = (e / width) % rows;
          int64_t d = (e % width) % getFormulaDim(op.getFormula());
          auto at = [&](double t) -> double {
            int64_t ti = static_cast<int64_t>(t);
            FormulaVector v = overJ ? reference.evaluatePair(flatBatch, row, ti)
                                    : reference.evaluatePair(flatBatch, ti, row);
            return v[d];
          };
          double fa = at(a), fr = at(r);
          ok = std::fabs(fa - fr) <= absTol + relTol * std::fabs(fr);
        }
      } else if (std::isnan(r) || std::isnan(a)) {
        ok = std::isnan(r) && std::isnan(a);
      } else if (std::isinf(r) || std::isinf(a)) {
        ok = a == r;
      } else {
        double err = std::fabs(a - r);
        ok = err <= absTol + relTol * ref.scale[e];
        double relative = err / (absTol + relTol * ref.scale[e]);
        if (relative > worst)
          worst = relative;
      }
      if (!ok && mismatches++ < 10)
        llvm::errs() << llvm::formatv(
            "kred-run: mismatch in output #{0} at flat index {1}: got {2}, "
            "expected {3} (scale {4})\n",
            o, e, llvm::format("%.9g", a), llvm::format("%.9g", r),
            llvm::format("%.3g", ref.scale[e]));
    }
  }
  if (mismatches) {
    llvm::errs() << "kred-run: --check failed: " << mismatches
                 << " mismatching values\n";
    return false;
  }
  llvm::outs() << llvm::formatv(
      "check: OK (rtol {0:e}, atol {1:e}; largest error {2:e} of the "
      "tolerance)\n",
      relTol, absTol, worst);
  return true;
}

static void printArray(llvm::StringRef name, const HostArray &a) {
  llvm::outs() << name << ": " << runtime::getElementTypeName(a.elementType)
               << " [";
  for (size_t k = 0; k < a.shape.size(); ++k)
    llvm::outs() << (k ? ", " : "") << a.shape[k];
  llvm::outs() << "]\n";
  int64_t width = a.shape.empty() ? 1 : a.shape.back();
  int64_t rows = width ? a.numElements() / width : 0;
  for (int64_t r = 0; r < rows && r < 20; ++r) {
    llvm::outs() << " ";
    for (int64_t c = 0; c < width; ++c)
      llvm::outs() << " " << llvm::format("%.8g", a.get(r * width + c));
    llvm::outs() << "\n";
  }
  if (rows > 20)
    llvm::outs() << "  ... (" << rows << " rows)\n";
}

/// --emit-ptx: the PTX of the module's kernels, to a file.
static int emitPtx(llvm::StringRef source, const GpuTargetOptions &options) {
  auto ptx = runtime::emitPtx(source, options);
  if (!ptx)
    return fail(llvm::toString(ptx.takeError()));
  std::error_code ec;
  llvm::raw_fd_ostream os(emitPtxFile, ec);
  if (ec)
    return fail("cannot write " + emitPtxFile + ": " + ec.message());
  os << *ptx;
  return 0;
}

/// The kernel named by --kernel, or the module's only one.
static llvm::Expected<std::shared_ptr<const runtime::Kernel>>
chooseKernel(const runtime::CompiledModule &compiled) {
  if (!kernelName.empty())
    return compiled.getKernel(kernelName);
  if (compiled.kernels.size() == 1)
    return compiled.kernels.front();
  std::string names;
  for (const auto &kernel : compiled.kernels)
    names += " " + kernel->getSignature().name;
  return llvm::createStringError(
      "the module holds several kernels; choose one with --kernel:" + names);
}

/// The compile options the flags give: device, pipeline options and
/// their overrides, cache.
static llvm::Expected<runtime::CompileOptions> getCompileOptions() {
  runtime::CompileOptions options;
  std::optional<runtime::Device> device =
      targetName == "gpu" ? runtime::parseDevice("cuda")
                          : runtime::parseDevice(targetName);
  if (!device)
    return llvm::createStringError("--target is '" + targetName +
                                   "'; expected cpu, gpu, cuda:N or gpu-sim");
  options.device = *device;
  bool gpu = device->kind != runtime::DeviceKind::Cpu || !emitPtxFile.empty();
  if (llvm::Error err = runtime::setPipelineOptions(options, pipelineOptions, gpu))
    return std::move(err);
  if (noFastMath)
    options.target.fastMath = options.gpuTarget.fastMath = false;
  if (vectorWidth.getNumOccurrences())
    options.target.vectorWidth = vectorWidth;
  if (tileI.getNumOccurrences())
    options.target.tileI = tileI;
  if (tileJ.getNumOccurrences())
    options.target.tileJ = tileJ;
  if (noOpenmp)
    options.target.openmp = false;
  options.cache.diskCache = !noCache;
  options.cache.cacheDir = cacheDir;
  return options;
}

/// --repeat timed runs, sorted.
static std::vector<double> timeRuns(const runtime::Kernel &kernel,
                                    llvm::ArrayRef<runtime::Buffer> buffers,
                                    const runtime::LaunchOptions &launch) {
  std::vector<double> times;
  for (int r = 0; r < std::max(1, repeat.getValue()); ++r) {
    auto start = std::chrono::steady_clock::now();
    llvm::cantFail(kernel.run(buffers, launch));
    times.push_back(std::chrono::duration<double>(
                        std::chrono::steady_clock::now() - start)
                        .count());
  }
  std::sort(times.begin(), times.end());
  return times;
}

/// The compile line and, with --bench, the timings (one JSON line with
/// --json).
static void report(const runtime::CompiledModule &compiled,
                   const runtime::Kernel &kernel,
                   llvm::ArrayRef<double> times, int64_t n, int64_t m) {
  static const char *origins[] = {"compiled", "memory cache", "disk cache"};
  const std::string &name = kernel.getSignature().name;
  const char *origin = origins[static_cast<int>(compiled.origin)];
  if (json) {
    llvm::outs() << llvm::formatv(
        "{{\"kernel\": \"{0}\", \"origin\": \"{1}\", \"compile_s\": {2}, "
        "\"n\": {3}, \"m\": {4}, \"times_s\": [",
        name, origin, compiled.seconds, n, m);
    for (size_t k = 0; k < times.size(); ++k)
      llvm::outs() << (k ? ", " : "") << llvm::formatv("{0:e}", times[k]);
    llvm::outs() << "]}\n";
    return;
  }
  llvm::outs() << llvm::formatv(
      "kernel '{0}': {1} in {2:f4} s ({3})\n", name, origin, compiled.seconds,
      kernel.getDevice().kind == runtime::DeviceKind::Cpu
          ? runtime::describeHost()
          : kernel.getDevice().str());
  if (times.empty())
    return;
  double median = times[times.size() / 2];
  double pairs = static_cast<double>(std::max<int64_t>(n, 0)) *
                 static_cast<double>(std::max<int64_t>(m, 0));
  llvm::outs() << llvm::formatv(
      "bench: median {0:e} s over {1} runs (min {2:e} s); N = {3}, M = "
      "{4}: {5:e} pairs/s\n",
      median, times.size(), times.front(), n, m,
      median > 0 ? pairs / median : 0.0);
}

/// The outputs to -o files, or printed unless --quiet.
static llvm::Error writeOutputs(const runtime::KernelSignature &signature,
                                llvm::ArrayRef<HostArray> outs) {
  if (outputs.empty()) {
    if (quiet || json)
      return llvm::Error::success();
    size_t k = 0;
    for (const auto &spec : signature.args)
      if (spec.role == ArgRole::Output)
        printArray(spec.name, outs[k++]);
    return llvm::Error::success();
  }
  if (outputs.size() != outs.size())
    return llvm::createStringError(
        llvm::formatv("-o is given {0} times, but the kernel has {1} outputs",
                      outputs.size(), outs.size())
            .str());
  for (size_t k = 0; k < outs.size(); ++k)
    if (llvm::Error err = writeNpy(outputs[k], outs[k]))
      return err;
  return llvm::Error::success();
}

/// --check: the outputs against the float64 reference evaluator, with
/// tolerances that follow the outputs' precision unless given.
static int checkOutputs(LoadedModule &loaded,
                        const runtime::KernelSignature &signature,
                        std::vector<HostArray> &ins,
                        std::vector<HostArray> &outs) {
  double defaultRel = 1e-10, defaultAbs = 1e-12;
  for (const HostArray &a : outs) {
    if (a.elementType == ElementType::F32)
      defaultRel = std::max(defaultRel, 1e-4), defaultAbs = std::max(defaultAbs, 1e-6);
    if (a.elementType == ElementType::F16)
      defaultRel = std::max(defaultRel, 4e-3), defaultAbs = std::max(defaultAbs, 1e-4);
    if (a.elementType == ElementType::BF16)
      defaultRel = std::max(defaultRel, 2e-2), defaultAbs = std::max(defaultAbs, 1e-3);
  }
  double relTol = relativeTolerance >= 0 ? relativeTolerance : defaultRel;
  double absTol = absoluteTolerance >= 0 ? absoluteTolerance : defaultAbs;
  // The reference evaluates derivative formulas once expanded (the rules
  // themselves are checked against finite differences in test/python).
  ReduceOp reduce = findReduce(*loaded.module, signature.name);
  if (failed(expandDerivatives(reduce)))
    return fail("cannot expand the derivatives of the formula");
  return compareWithReference(reduce, signature, ins, outs, relTol, absTol) ? 0 : 1;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions({&category, &tools::getKernelSourceCategory()});
  cl::ParseCommandLineOptions(argc, argv,
                              "kred-run: compile a kred kernel for this CPU "
                              "and run it\n");
  LoadedModule loaded;
  if (llvm::Error err = tools::loadKernelSource(loaded))
    return fail(llvm::toString(std::move(err)));
  auto options = getCompileOptions();
  if (!options)
    return fail(llvm::toString(options.takeError()));
  if (!emitPtxFile.empty())
    return emitPtx(loaded.text, options->gpuTarget);
  auto compiled = runtime::compileKernels(loaded.text, *options);
  if (!compiled)
    return fail(llvm::toString(compiled.takeError()));
  auto chosen = chooseKernel(*compiled);
  if (!chosen)
    return fail(llvm::toString(chosen.takeError()));
  const runtime::Kernel &kernel = **chosen;
  const runtime::KernelSignature &signature = kernel.getSignature();

  auto ins = makeInputs(signature);
  if (!ins)
    return fail(llvm::toString(ins.takeError()));
  std::vector<HostArray> outs = makeOutputs(signature, *ins);
  // The kernel's argument order: inputs, outputs, then any ranges.
  std::vector<runtime::Buffer> buffers;
  size_t nextInput = 0, nextOutput = 0;
  for (const auto &spec : signature.args)
    buffers.push_back(spec.role == ArgRole::Output
                          ? outs[nextOutput++].buffer()
                          : (*ins)[nextInput++].buffer());
  // On a GPU, the kernel runs on device copies of the arrays.
  std::optional<runtime::DeviceCopies> onDevice;
  if (kernel.getDevice().kind != runtime::DeviceKind::Cpu) {
    auto copies = runtime::DeviceCopies::create(signature, buffers,
                                                kernel.getDevice());
    if (!copies)
      return fail(llvm::toString(copies.takeError()));
    onDevice = std::move(*copies);
    buffers.assign(onDevice->buffers().begin(), onDevice->buffers().end());
  }
  // The first run checks the arguments and warms up; a single timed run
  // (--repeat 1, for long kernels) is its own warm-up.
  bool singleTimedRun = bench && repeat <= 1;
  runtime::LaunchOptions launch;
  launch.synchronize = true;
  if (llvm::Error err =
          singleTimedRun
              ? runtime::checkArguments(signature, buffers, kernel.getDevice())
              : kernel.run(buffers, launch))
    return fail(llvm::toString(std::move(err)));

  std::vector<double> times;
  if (bench)
    times = timeRuns(kernel, buffers, launch);
  if (onDevice)
    if (llvm::Error err = onDevice->copyOutputsBack())
      return fail(llvm::toString(std::move(err)));
  auto [n, m] = rowCounts(signature, *ins);
  report(*compiled, kernel, times, n, m);
  if (llvm::Error err = writeOutputs(signature, outs))
    return fail(llvm::toString(std::move(err)));
  return check ? checkOutputs(loaded, signature, *ins, outs) : 0;
}
