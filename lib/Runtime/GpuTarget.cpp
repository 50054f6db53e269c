//===- GpuTarget.cpp - kernels as PTX or cubin run through the driver API -===//
//
// build: kred-gpu-pipeline for the device's chip, the PTX out of the
// gpu.binary, then cubin through ptxas when the CUDA toolkit is installed
// (else the driver compiles the PTX at load). The code file is a short
// text header (format, each kernel's block size) and the image.
// load: cuModuleLoadData in the device's primary context. launch: grid
// (ceil(N / B), flattened batch), one memref descriptor's fields per
// array as kernel parameters, on the caller's stream.
//
//===----------------------------------------------------------------------===//

#include "CudaDriver.h"
#include "GpuLaunch.h"
#include "RuntimeInternal.h"

#include "kred/Runtime/Target.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"

#include <cstdlib>
#include <cstring>
#include <map>

using namespace mlir;
using namespace kred;
using namespace kred::runtime;

namespace {

/// What build writes: the image (PTX text or a cubin) and each kernel's
/// LaunchInfo.
struct GpuCode {
  std::string format;
  LaunchTable launches;
  std::string image;

  static constexpr llvm::StringLiteral kMagic = "kred-gpu-code 2";

  std::string serialize() const {
    return kMagic.str() + "\nformat " + format + "\n" +
           serializeLaunches(launches) + "end\n" + image;
  }

  static llvm::Expected<GpuCode> parse(llvm::StringRef text,
                                       llvm::StringRef path) {
    auto bad = [&] {
      return llvm::createStringError("kernel file " + path +
                                     " is not kred GPU code");
    };
    GpuCode code;
    auto [magic, rest] = text.split('\n');
    if (magic != kMagic)
      return bad();
    while (true) {
      auto [line, next] = rest.split('\n');
      rest = next;
      if (line == "end")
        break;
      if (line.consume_front("format "))
        code.format = line.str();
      else if (!parseLaunchLine(line, code.launches))
        return bad();
    }
    code.image = rest.str();
    return code;
  }
};

/// ptxas of the CUDA toolkit ($CUDA_HOME, /usr/local/cuda or PATH), if any.
std::optional<std::string> findPtxas() {
  std::string root =
      llvm::sys::Process::GetEnv("CUDA_HOME").value_or("/usr/local/cuda");
  llvm::SmallString<128> path(root);
  llvm::sys::path::append(path, "bin", "ptxas");
  if (llvm::sys::fs::can_execute(path))
    return path.str().str();
  if (auto found = llvm::sys::findProgramByName("ptxas"))
    return *found;
  return std::nullopt;
}

/// The cubin ptxas makes of `ptx` for `chip`, or nullopt without ptxas.
llvm::Expected<std::optional<std::string>> assemble(llvm::StringRef ptx,
                                                    llvm::StringRef chip) {
  std::optional<std::string> ptxas = findPtxas();
  if (!ptxas)
    return std::nullopt;
  llvm::SmallString<128> input, output, log;
  llvm::sys::fs::createTemporaryFile("kred-kernel", "ptx", input);
  llvm::sys::fs::createTemporaryFile("kred-kernel", "cubin", output);
  llvm::sys::fs::createTemporaryFile("kred-ptxas", "log", log);
  llvm::scope_exit cleanup([&] {
    for (auto *p : {&input, &output, &log})
      llvm::sys::fs::remove(*p);
  });
  if (llvm::Error err = writeFileAtomically(input, ptx))
    return std::move(err);
  std::string arch = ("-arch=" + chip).str();
  llvm::SmallVector<llvm::StringRef> argv = {*ptxas, arch, "-O3", input, "-o",
                                             output};
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, log.str(),
                                                log.str()};
  int rc = llvm::sys::ExecuteAndWait(*ptxas, argv, std::nullopt, redirects);
  auto cubin = llvm::MemoryBuffer::getFile(output);
  if (rc != 0 || !cubin) {
    auto message = llvm::MemoryBuffer::getFile(log);
    return llvm::createStringError(
        "ptxas rejected the generated PTX for " + chip + ": " +
        (message ? (*message)->getBuffer().str() : std::string("no log")));
  }
  return (*cubin)->getBuffer().str();
}

/// The PTX in the gpu.binary of a module run through kred-gpu-pipeline and
/// each kernel's block size (from its launch).
llvm::Expected<GpuCode> extractPtx(ModuleOp module) {
  GpuCode code;
  code.format = "ptx";
  code.launches = collectLaunches(module);
  module.walk([&](gpu::BinaryOp binary) {
    for (Attribute object : binary.getObjects())
      code.image = cast<gpu::ObjectAttr>(object).getObject().str();
  });
  if (code.image.empty())
    return llvm::createStringError("kred-gpu-pipeline produced no PTX");
  return code;
}

llvm::Expected<GpuCode> buildGpuCode(ModuleOp module,
                                     const GpuTargetOptions &options) {
  if (llvm::Error err = runPipeline(
          module, [&](OpPassManager &pm) { buildGpuPipeline(pm, options); },
          getGpuPipelineText(options.resolvedForHost())))
    return std::move(err);
  return extractPtx(module);
}

/// A module loaded on one device.
class CudaModule : public LoadedCode {
public:
  struct Entry {
    cuda::Function function;
    LaunchInfo launch;
  };
  CudaModule(int device, cuda::Module module, std::map<std::string, Entry> entries)
      : device(device), module(module), entries(std::move(entries)) {}
  ~CudaModule() override {
    if (auto context = cuda::ScopedContext::enter(device))
      (*cuda::getDriver()).moduleUnload(module);
    else
      llvm::consumeError(context.takeError());
  }

  llvm::Error launch(const KernelSignature &signature,
                     llvm::ArrayRef<Buffer> args,
                     const LaunchOptions &options) const override {
    auto entry = entries.find(signature.name);
    if (entry == entries.end())
      return llvm::createStringError("no GPU kernel '" + signature.name + "'");
    auto grid = computeGrid(signature, args, entry->second.launch);
    if (!grid)
      return grid.takeError();
    if (!*grid)
      return llvm::Error::success();
    auto fields = getLaunchParameters(signature, args, entry->second.launch);
    if (!fields)
      return fields.takeError();
    llvm::SmallVector<void *> parameters;
    for (int64_t &field : *fields)
      parameters.push_back(&field);
    auto context = cuda::ScopedContext::enter(device);
    if (!context)
      return context.takeError();
    cuda::Result result = cuda::getDriver()->launchKernel(
        entry->second.function, static_cast<unsigned>((*grid)->blocksX),
        static_cast<unsigned>((*grid)->blocksY), 1,
        static_cast<unsigned>((*grid)->threads), 1,
        1, 0, options.cudaStream, parameters.data(), nullptr);
    if (llvm::Error err = cuda::check(
            result, "launching GPU kernel '" + signature.name + "' on " +
                        describeShapes(signature, args)))
      return err;
    if (!options.synchronize)
      return llvm::Error::success();
    return cuda::check(
        cuda::getDriver()->streamSynchronize(options.cudaStream),
        "running GPU kernel '" + signature.name + "' on " +
            describeShapes(signature, args));
  }

private:
  int device;
  cuda::Module module;
  std::map<std::string, Entry> entries;
};

class GpuTarget : public Target {
public:
  GpuTarget(const GpuTargetOptions &options, int device)
      : options(options), device(device) {}

  Device getDevice() const override { return {DeviceKind::Cuda, device}; }

  std::string getCodeIdentity() const override {
    return options.resolvedForHost().str() + "\nptxas " +
           (findPtxas() ? "yes" : "no");
  }

  llvm::StringRef getCodeFileExtension() const override { return "kgpu"; }

  llvm::Error build(ModuleOp module, llvm::ArrayRef<KernelSymbol>,
                    llvm::StringRef path) const override {
    auto code = buildGpuCode(module, options);
    if (!code)
      return code.takeError();
    auto cubin = assemble(code->image, options.chip);
    if (!cubin)
      return cubin.takeError();
    if (*cubin) {
      code->format = "cubin";
      code->image = std::move(**cubin);
    }
    return writeFileAtomically(path, code->serialize());
  }

  llvm::Expected<std::shared_ptr<const LoadedCode>>
  load(llvm::StringRef path,
       llvm::ArrayRef<KernelSymbol> kernels) const override {
    auto file = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/true);
    if (!file)
      return llvm::createStringError("cannot read kernel " + path + ": " +
                                     file.getError().message());
    auto code = GpuCode::parse((*file)->getBuffer(), path);
    if (!code)
      return code.takeError();
    auto context = cuda::ScopedContext::enter(device);
    if (!context)
      return context.takeError();
    const cuda::Driver &driver = *cuda::getDriver();
    cuda::Module module;
    // The image must end with a NUL (PTX is text).
    std::string image = code->image;
    if (llvm::Error err = cuda::check(driver.moduleLoadData(&module, image.c_str()),
                                      "loading GPU kernel " + path.str()))
      return std::move(err);
    std::map<std::string, CudaModule::Entry> entries;
    for (const KernelSymbol &kernel : kernels) {
      CudaModule::Entry entry{nullptr, code->launches[kernel.symbol]};
      if (llvm::Error err = cuda::check(
              driver.moduleGetFunction(&entry.function, module,
                                       kernel.symbol.c_str()),
              "finding GPU kernel '" + kernel.name + "' in " + path.str())) {
        driver.moduleUnload(module);
        return std::move(err);
      }
      entries[kernel.name] = entry;
    }
    return std::make_shared<CudaModule>(device, module, std::move(entries));
  }

private:
  GpuTargetOptions options;
  int device;
};

} // namespace

llvm::Expected<std::unique_ptr<Target>>
runtime::createGpuTarget(const GpuTargetOptions &options, int device) {
  GpuTargetOptions resolved = options;
  if (resolved.chip.empty()) {
    auto chip = cuda::getDeviceChip(device);
    if (!chip)
      return chip.takeError();
    resolved.chip = *chip;
  } else if (auto count = cuda::getDeviceCount(); !count) {
    return count.takeError();
  }
  return std::make_unique<GpuTarget>(resolved, device);
}

llvm::Expected<std::string> runtime::emitPtx(ModuleOp module,
                                             const GpuTargetOptions &options) {
  auto code = buildGpuCode(module, options);
  if (!code)
    return code.takeError();
  return code->image;
}

llvm::Expected<std::pair<std::string, LaunchTable>>
runtime::buildPtx(ModuleOp module, const GpuTargetOptions &options) {
  auto code = buildGpuCode(module, options);
  if (!code)
    return code.takeError();
  return std::make_pair(std::move(code->image), std::move(code->launches));
}

llvm::Expected<int> runtime::getCudaDeviceCount() {
  return cuda::getDeviceCount();
}

llvm::Expected<std::string> runtime::describeCudaDevice(int index) {
  auto name = cuda::getDeviceName(index);
  if (!name)
    return name.takeError();
  auto chip = cuda::getDeviceChip(index);
  if (!chip)
    return chip.takeError();
  return *name + " (" + *chip + ")";
}

/// The bytes before and after each gpu-sim array.
static constexpr size_t kSimRedZone = 4096;

llvm::Expected<std::unique_ptr<DeviceMemory>>
DeviceMemory::allocate(const Device &device, size_t bytes) {
  if (device.kind == DeviceKind::GpuSim) {
    // Red zones around each array: an access past its end is outside
    // every array, which the simulator's checker reports.
    size_t padded = (std::max<size_t>(bytes, 1) + 255) / 256 * 256;
    auto *memory = static_cast<char *>(
        std::aligned_alloc(256, padded + 2 * kSimRedZone));
    if (!memory)
      return llvm::createStringError(
          llvm::formatv("allocating {0} bytes on {1}", bytes, device.str()).str());
    return std::unique_ptr<DeviceMemory>(new DeviceMemory(
        device, reinterpret_cast<unsigned long long>(memory + kSimRedZone)));
  }
  if (device.kind != DeviceKind::Cuda)
    return llvm::createStringError("device memory is for GPUs, not " +
                                   device.str());
  auto context = cuda::ScopedContext::enter(device.index);
  if (!context)
    return context.takeError();
  cuda::DevicePointer pointer = 0;
  if (llvm::Error err = cuda::check(
          cuda::getDriver()->memAlloc(&pointer, std::max<size_t>(bytes, 1)),
          llvm::formatv("allocating {0} bytes on {1}", bytes, device.str()).str()))
    return std::move(err);
  return std::unique_ptr<DeviceMemory>(new DeviceMemory(device, pointer));
}

DeviceMemory::~DeviceMemory() {
  if (device.kind == DeviceKind::GpuSim) {
    std::free(static_cast<char *>(data()) - kSimRedZone);
    return;
  }
  if (auto context = cuda::ScopedContext::enter(device.index))
    cuda::getDriver()->memFree(pointer);
  else
    llvm::consumeError(context.takeError());
}

llvm::Error DeviceMemory::copyFromHost(const void *host, size_t bytes) {
  if (device.kind == DeviceKind::GpuSim)
    return std::memcpy(data(), host, bytes), llvm::Error::success();
  auto context = cuda::ScopedContext::enter(device.index);
  if (!context)
    return context.takeError();
  return cuda::check(cuda::getDriver()->memcpyHtoD(pointer, host, bytes),
                     "copying to " + device.str());
}

llvm::Error DeviceMemory::copyToHost(void *host, size_t bytes) const {
  if (device.kind == DeviceKind::GpuSim)
    return std::memcpy(host, data(), bytes), llvm::Error::success();
  auto context = cuda::ScopedContext::enter(device.index);
  if (!context)
    return context.takeError();
  return cuda::check(cuda::getDriver()->memcpyDtoH(host, pointer, bytes),
                     "copying from " + device.str());
}

llvm::Error runtime::copyToHost(const Buffer &buffer, void *host) {
  size_t bytes = getByteSize(buffer);
  if (buffer.device.kind == DeviceKind::GpuSim)
    return std::memcpy(host, buffer.data, bytes), llvm::Error::success();
  auto context = cuda::ScopedContext::enter(buffer.device.index);
  if (!context)
    return context.takeError();
  return cuda::check(
      cuda::getDriver()->memcpyDtoH(
          host, reinterpret_cast<cuda::DevicePointer>(buffer.data), bytes),
      "copying from " + buffer.device.str());
}

llvm::Expected<DeviceCopies>
DeviceCopies::create(const KernelSignature &signature,
                     llvm::ArrayRef<Buffer> hostArgs, const Device &device) {
  if (llvm::Error err = checkArguments(signature, hostArgs))
    return std::move(err);
  DeviceCopies copies;
  copies.hostArgs.assign(hostArgs.begin(), hostArgs.end());
  for (auto [spec, host] : llvm::zip(signature.args, hostArgs)) {
    auto memory = DeviceMemory::allocate(device, getByteSize(host));
    if (!memory)
      return memory.takeError();
    if (spec.role != ArgRole::Output)
      if (llvm::Error err = (*memory)->copyFromHost(host.data, getByteSize(host)))
        return std::move(err);
    Buffer onDevice = host;
    onDevice.data = (*memory)->data();
    onDevice.device = device;
    copies.roles.push_back(spec.role);
    copies.deviceArgs.push_back(onDevice);
    copies.memory.push_back(std::move(*memory));
  }
  return copies;
}

llvm::Error DeviceCopies::copyOutputsBack() const {
  for (size_t k = 0; k < roles.size(); ++k)
    if (roles[k] == ArgRole::Output)
      if (llvm::Error err = memory[k]->copyToHost(hostArgs[k].data,
                                                  getByteSize(hostArgs[k])))
        return err;
  return llvm::Error::success();
}
