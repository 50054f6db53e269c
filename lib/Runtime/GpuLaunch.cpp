//===- GpuLaunch.cpp - what every GPU target knows of a launch ------------===//

#include "GpuLaunch.h"
#include "RuntimeInternal.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace kred;
using namespace kred::runtime;

LaunchTable runtime::collectLaunches(ModuleOp module) {
  LaunchTable launches;
  module.walk([&](gpu::LaunchFuncOp launch) {
    LaunchInfo &info = launches[launch.getKernelName().str()];
    info.blockSize = getConstantIntValue(launch.getBlockSizeX()).value_or(0);
    for (Value operand : launch.getKernelOperands())
      info.arguments.push_back(cast<BlockArgument>(operand).getArgNumber());
  });
  return launches;
}

std::string runtime::serializeLaunches(const LaunchTable &launches) {
  std::string text;
  for (auto &[name, launch] : launches) {
    text += "kernel " + name + " " + std::to_string(launch.blockSize);
    for (int64_t position : launch.arguments)
      text += " " + std::to_string(position);
    text += "\n";
  }
  return text;
}

bool runtime::parseLaunchLine(llvm::StringRef line, LaunchTable &launches) {
  llvm::SmallVector<llvm::StringRef> fields;
  line.split(fields, ' ', -1, /*KeepEmpty=*/false);
  if (fields.size() < 3 || fields[0] != "kernel")
    return false;
  LaunchInfo &launch = launches[fields[1].str()];
  if (fields[2].getAsInteger(10, launch.blockSize) || launch.blockSize < 1)
    return false;
  for (llvm::StringRef field : llvm::drop_begin(fields, 3))
    if (field.getAsInteger(10, launch.arguments.emplace_back()))
      return false;
  return true;
}

llvm::Expected<std::optional<Grid>>
runtime::computeGrid(const KernelSignature &signature,
                     llvm::ArrayRef<Buffer> args, const LaunchInfo &launch) {
  const Buffer *output = nullptr;
  for (auto [spec, buffer] : llvm::zip(signature.args, args))
    if (spec.role == ArgRole::Output && !output)
      output = &buffer;
  if (!output)
    return llvm::createStringError("kernel '" + signature.name +
                                   "' has no output");
  int64_t rows = output->shape[signature.batchDims], batches = 1;
  for (int64_t k = 0; k < signature.batchDims; ++k)
    batches *= output->shape[k];
  if (rows == 0 || batches == 0)
    return std::nullopt;
  int64_t blocks = (rows + launch.blockSize - 1) / launch.blockSize;
  if (batches > 65535 || blocks > 0x7fffffff)
    return llvm::createStringError(llvm::formatv(
        "kernel '{0}': {1} batch entries of {2} rows exceed the GPU's grid "
        "(at most 65535 batch entries)",
        signature.name, batches, rows));
  if (launch.blockSize > 1024)
    return llvm::createStringError(llvm::formatv(
        "kernel '{0}': blocks of {1} threads; a GPU block has at most 1024",
        signature.name, launch.blockSize));
  return Grid{blocks, batches, launch.blockSize};
}

llvm::Expected<llvm::SmallVector<int64_t>>
runtime::getLaunchParameters(const KernelSignature &signature,
                             llvm::ArrayRef<Buffer> args,
                             const LaunchInfo &launch) {
  llvm::SmallVector<int64_t> fields;
  for (int64_t position : launch.arguments) {
    if (position < 0 || position >= static_cast<int64_t>(args.size()))
      return llvm::createStringError(llvm::formatv(
          "GPU kernel '{0}' takes argument {1} of {2}: its code does not "
          "match its signature",
          signature.name, position, args.size()));
    llvm::append_range(fields, getMemrefDescriptor(args[position]));
  }
  return fields;
}

std::string runtime::describeShapes(const KernelSignature &signature,
                                    llvm::ArrayRef<Buffer> args) {
  std::string text;
  for (auto [spec, buffer] : llvm::zip(signature.args, args)) {
    text += (text.empty() ? "" : ", ") + spec.name + " (";
    for (auto [k, d] : llvm::enumerate(buffer.shape))
      text += (k ? ", " : "") + std::to_string(d);
    text += ")";
  }
  return text;
}

size_t runtime::getByteSize(const Buffer &buffer) {
  size_t bytes = getElementSize(buffer.elementType);
  for (int64_t d : buffer.shape)
    bytes *= static_cast<size_t>(d);
  return bytes;
}
