//===- RuntimeApiTest.cpp - the C++ runtime API, end to end ---------------===//
//
// Compiles the README's example through kred::runtime::compileFormula, runs
// it on caller-owned arrays, compares with a direct double loop, and checks
// the memory cache, argument errors (shape, strides, device), a module of
// two kernels, and the GPU device without a GPU target. Prints "PASS" or
// the first failure.
//
//===----------------------------------------------------------------------===//

#include "kred/Runtime/Runtime.h"

#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

using namespace kred::runtime;

static int fail(const llvm::Twine &message) {
  llvm::outs() << "FAIL: " << message << "\n";
  return 1;
}

int main() {
  const int64_t n = 37, m = 101;
  std::vector<float> x(n * 3), y(m * 3), b(m), out(n);
  for (int64_t k = 0; k < n * 3; ++k)
    x[k] = std::sin(0.37f * k);
  for (int64_t k = 0; k < m * 3; ++k)
    y[k] = std::cos(0.11f * k);
  for (int64_t k = 0; k < m; ++k)
    b[k] = 0.5f - 0.01f * k;

  CompileOptions options;
  const char *spec = "X = Vi(3); Y = Vj(3); B = Vj(1)\n"
                     "Sum_Reduction(Exp(-SqDist(X, Y)) * B, 0)";
  auto compiled = compileFormula({spec}, options);
  if (!compiled)
    return fail("compile: " + llvm::toString(compiled.takeError()));
  const Kernel &kernel = *compiled->kernel;
  if (kernel.getSignature().args.size() != 4 ||
      kernel.getSignature().args[0].name != "X" ||
      kernel.getSignature().args[3].role != ArgRole::Output)
    return fail("unexpected signature");

  std::vector<Buffer> args = {{x.data(), ElementType::F32, {n, 3}},
                              {y.data(), ElementType::F32, {m, 3}},
                              {b.data(), ElementType::F32, {m, 1}},
                              {out.data(), ElementType::F32, {n, 1}}};
  if (llvm::Error err = kernel.run(args))
    return fail("run: " + llvm::toString(std::move(err)));
  for (int64_t i = 0; i < n; ++i) {
    double expected = 0;
    for (int64_t j = 0; j < m; ++j) {
      double d = 0;
      for (int c = 0; c < 3; ++c)
        d += (double(x[i * 3 + c]) - y[j * 3 + c]) *
             (double(x[i * 3 + c]) - y[j * 3 + c]);
      expected += std::exp(-d) * b[j];
    }
    if (std::fabs(out[i] - expected) > 1e-4 * (1 + std::fabs(expected)))
      return fail("row " + llvm::Twine(i) + ": got " +
                  std::to_string(out[i]) + ", expected " +
                  std::to_string(expected));
  }

  // A bound launch: the layouts checked once, then runs at other addresses
  // (other data) give what a checked run gives; bad layouts are refused
  // at binding with run's message.
  auto bound = kernel.bind(args);
  if (!bound)
    return fail("bind: " + llvm::toString(bound.takeError()));
  std::vector<float> x2(x.rbegin(), x.rend()), boundOut(n), checkedOut(n);
  std::vector<void *> addresses = {x2.data(), y.data(), b.data(), boundOut.data()};
  if (llvm::Error err = (*bound)->run(addresses))
    return fail("bound run: " + llvm::toString(std::move(err)));
  std::vector<Buffer> checkedArgs = args;
  checkedArgs[0].data = x2.data();
  checkedArgs[3].data = checkedOut.data();
  if (llvm::Error err = kernel.run(checkedArgs))
    return fail("run on x2: " + llvm::toString(std::move(err)));
  if (boundOut != checkedOut || boundOut == out)
    return fail("the bound run did not read the new addresses");
  addresses.pop_back();
  llvm::Error tooFew = (*bound)->run(addresses);
  std::string message = tooFew ? llvm::toString(std::move(tooFew)) : "";
  if (message != "a bound kernel takes one address per bound array")
    return fail("bound run with 3 addresses: '" + message + "'");
  checkedArgs[0].shape = {n, 2};
  auto badBinding = kernel.bind(checkedArgs);
  message = badBinding ? "" : llvm::toString(badBinding.takeError());
  if (message != "'X' has shape [37, 2], but its last dimension must be 3")
    return fail("bind with a wrong shape: '" + message + "'");

  auto again = compileFormula({spec}, options);
  if (!again || again->origin != KernelOrigin::MemoryCache)
    return fail("the second compilation did not hit the memory cache");
  if (again->kernel != compiled->kernel)
    return fail("the same formula request gave another kernel");
  // Another option, or a gradient of the same formula, is another kernel.
  CompileOptions otherTiles = options;
  otherTiles.target.tileJ = options.target.tileJ / 2;
  FormulaRequest gradient{spec};
  gradient.gradients = {{0}};
  auto tiled = compileFormula({spec}, otherTiles);
  auto derived = compileFormula(gradient, options);
  if (!tiled || !derived)
    return fail("compile with other options or a gradient failed");
  if (tiled->kernel == compiled->kernel || derived->kernel == compiled->kernel ||
      derived->kernel->getSignature().args.size() <= 4)
    return fail("another option or a gradient reused the formula's kernel");

  args[1].shape = {m, 2};
  llvm::Error wrong = kernel.run(args);
  message = wrong ? llvm::toString(std::move(wrong)) : "";
  if (message != "'Y' has shape [101, 2], but its last dimension must be 3")
    return fail("wrong-shape error: '" + message + "'");

  // Layouts other than C-contiguous, and arrays on another device, are
  // named and refused before anything runs.
  args[1].shape = {m, 3};
  args[1].strides = {1, m};
  wrong = kernel.run(args);
  message = wrong ? llvm::toString(std::move(wrong)) : "";
  if (message.find("'Y' has strides [1, 101] (in elements) for shape "
                   "[101, 3]; kernels take C-contiguous arrays") != 0)
    return fail("strided-input error: '" + message + "'");
  args[1].strides = {3, 1};
  args[2].device = *parseDevice("cuda:1");
  wrong = kernel.run(args);
  message = wrong ? llvm::toString(std::move(wrong)) : "";
  if (message != "'B' lives on cuda:1, but kernel 'kernel' runs on cpu")
    return fail("device error: '" + message + "'");
  args[2].device = Device();
  if (llvm::Error err = kernel.run(args))
    return fail("run with explicit strides: " + llvm::toString(std::move(err)));

  // A GPU kernel compiles where there is a GPU; elsewhere the error says
  // why there is none.
  CompileOptions onGpu = options;
  onGpu.device = {DeviceKind::Cuda, 0};
  auto gpuKernel = compileFormula({spec}, onGpu);
  auto devices = getCudaDeviceCount();
  bool hasGpu = devices && *devices > 0;
  if (!devices)
    llvm::consumeError(devices.takeError());
  message = gpuKernel ? "" : llvm::toString(gpuKernel.takeError());
  if (hasGpu ? !message.empty()
             : message.find("no CUDA driver") == std::string::npos &&
                   message.find("there is no CUDA device") == std::string::npos)
    return fail("GPU-device error: '" + message + "'");

  // The simulated GPU (gpu-sim) runs the GPU kernel on device copies and
  // gives the CPU's result.
  CompileOptions onSimulator = options;
  onSimulator.device = *parseDevice("gpu-sim");
  auto simKernel = compileFormula({spec}, onSimulator);
  if (!simKernel)
    return fail("gpu-sim: " + llvm::toString(simKernel.takeError()));
  std::vector<float> simOut(n);
  std::vector<Buffer> simArgs = args;
  simArgs[3].data = simOut.data();
  wrong = simKernel->kernel->run(simArgs);
  message = wrong ? llvm::toString(std::move(wrong)) : "";
  if (message != "'X' lives on cpu, but kernel 'kernel' runs on gpu-sim")
    return fail("gpu-sim host-array error: '" + message + "'");
  auto copies = DeviceCopies::create(simKernel->kernel->getSignature(), simArgs,
                                     simKernel->kernel->getDevice());
  if (!copies)
    return fail("gpu-sim copies: " + llvm::toString(copies.takeError()));
  if (llvm::Error err = simKernel->kernel->run(copies->buffers()))
    return fail("gpu-sim run: " + llvm::toString(std::move(err)));
  if (llvm::Error err = copies->copyOutputsBack())
    return fail("gpu-sim copy back: " + llvm::toString(std::move(err)));
  // Targets without a launch of their own bind by keeping the buffers.
  auto simBound = simKernel->kernel->bind(copies->buffers());
  if (!simBound)
    return fail("gpu-sim bind: " + llvm::toString(simBound.takeError()));
  std::vector<void *> simAddresses;
  for (const Buffer &buffer : copies->buffers())
    simAddresses.push_back(buffer.data);
  // The simulator's device memory is host memory: cleared, so that the
  // values compared below are the bound run's.
  std::fill_n(static_cast<float *>(simAddresses[3]), n, 0.0f);
  if (llvm::Error err = (*simBound)->run(simAddresses))
    return fail("gpu-sim bound run: " + llvm::toString(std::move(err)));
  if (llvm::Error err = copies->copyOutputsBack())
    return fail("gpu-sim copy back: " + llvm::toString(std::move(err)));
  for (int64_t i = 0; i < n; ++i)
    if (std::fabs(simOut[i] - out[i]) > 1e-4 * (1 + std::fabs(out[i])))
      return fail("gpu-sim row " + llvm::Twine(i) + ": got " +
                  std::to_string(simOut[i]) + ", the CPU " + std::to_string(out[i]));

  // Two kernels in one module: compiled together, looked up by name.
  auto forward = importFormulaToText({spec});
  kred::FormulaImportOptions minimum;
  minimum.kernelName = "nearest";
  auto nearest = importFormulaToText(
      {"X = Vi(3); Y = Vj(3)\nArgMin_Reduction(SqDist(X, Y), 0)", minimum});
  if (!forward || !nearest)
    return fail("import of the two kernels failed");
  // Both modules' functions, in one module.
  auto body = [](const std::string &module) {
    return module.substr(module.find('{') + 1,
                         module.rfind('}') - module.find('{') - 1);
  };
  std::string both = "module {" + body(*forward) + body(*nearest) + "}";
  auto pair = compileKernels(both, options);
  if (!pair)
    return fail("two kernels: " + llvm::toString(pair.takeError()));
  if (pair->kernels.size() != 2 || !pair->getKernel("nearest") ||
      (*pair->getKernel("kernel"))->getSignature().args.size() != 4)
    return fail("two kernels: wrong kernels");
  auto single = compileModule(both, options);
  message = single ? "" : llvm::toString(single.takeError());
  if (message.find("exactly one kernel, found 2") == std::string::npos)
    return fail("compileModule on two kernels: '" + message + "'");

  auto invalid = compileFormula({"X = Vi(3)\nSum_Reduction(Foo(X), 0)"},
                                options);
  if (invalid)
    return fail("an unknown operation compiled");
  message = llvm::toString(invalid.takeError());
  if (message.find("unknown operation 'Foo'") == std::string::npos)
    return fail("unknown-operation error: '" + message + "'");

  llvm::outs() << "PASS\n";
  return 0;
}
