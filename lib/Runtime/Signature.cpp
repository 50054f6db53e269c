//===- Signature.cpp - kernel arguments and their checks ------------------===//

#include "RuntimeInternal.h"

#include "kred/Dialect/Kred/IR/KredOps.h"
#include "kred/Dialect/Kred/IR/ReductionSemantics.h"

#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace kred;
using namespace kred::runtime;

const char *runtime::getElementTypeName(ElementType type) {
  switch (type) {
  case ElementType::F16: return "float16";
  case ElementType::BF16: return "bfloat16";
  case ElementType::F32: return "float32";
  case ElementType::F64: return "float64";
  case ElementType::I64: return "int64";
  }
  return "?";
}

std::optional<ElementType>
runtime::parseElementTypeName(llvm::StringRef name) {
  for (ElementType type : {ElementType::F16, ElementType::BF16, ElementType::F32,
                           ElementType::F64, ElementType::I64})
    if (name == getElementTypeName(type))
      return type;
  return std::nullopt;
}

size_t runtime::getElementSize(ElementType type) {
  switch (type) {
  case ElementType::F16:
  case ElementType::BF16: return 2;
  case ElementType::F32: return 4;
  case ElementType::F64:
  case ElementType::I64: return 8;
  }
  return 0;
}

/// Every field of a memref descriptor, 64-bit each.
llvm::SmallVector<int64_t> runtime::getMemrefDescriptor(const Buffer &buffer) {
  auto address = reinterpret_cast<int64_t>(buffer.data);
  llvm::SmallVector<int64_t> fields = {address, address, 0};
  fields.append(buffer.shape.begin(), buffer.shape.end());
  llvm::SmallVector<int64_t> strides(buffer.shape.size(), 1);
  for (int64_t k = static_cast<int64_t>(strides.size()) - 2; k >= 0; --k)
    strides[k] = strides[k + 1] * buffer.shape[k + 1];
  fields.append(strides.begin(), strides.end());
  return fields;
}

std::string Device::str() const {
  switch (kind) {
  case DeviceKind::Cpu:
    return "cpu";
  case DeviceKind::Cuda:
    return "cuda:" + std::to_string(index);
  case DeviceKind::GpuSim:
    return "gpu-sim";
  }
  llvm_unreachable("unknown device kind");
}

std::optional<Device> runtime::parseDevice(llvm::StringRef name) {
  if (name == "cpu")
    return Device();
  if (name == "gpu-sim")
    return Device{DeviceKind::GpuSim, 0};
  if (!name.consume_front("cuda"))
    return std::nullopt;
  Device device{DeviceKind::Cuda, 0};
  if (!name.empty() && (!name.consume_front(":") ||
                        name.getAsInteger(10, device.index) ||
                        device.index < 0))
    return std::nullopt;
  return device;
}

static std::optional<ElementType> toElementType(Type type) {
  if (type.isF16()) return ElementType::F16;
  if (type.isBF16()) return ElementType::BF16;
  if (type.isF32()) return ElementType::F32;
  if (type.isF64()) return ElementType::F64;
  if (type.isInteger(64)) return ElementType::I64;
  return std::nullopt;
}

llvm::Expected<SmallVector<func::FuncOp>>
runtime::findKernelFunctions(ModuleOp module) {
  SmallVector<func::FuncOp> kernels;
  module.walk([&](func::FuncOp f) {
    if (!f.isExternal())
      kernels.push_back(f);
  });
  if (kernels.empty())
    return llvm::createStringError(
        "expected a module with at least one function (a kernel), found none");
  for (func::FuncOp func : kernels) {
    Block &body = func.getBody().front();
    auto reduce = dyn_cast<ReduceOp>(body.front());
    if (!reduce || body.getOperations().size() != 2)
      return llvm::createStringError("kernel function '" + func.getSymName() +
                                     "' must hold exactly one kred.reduce "
                                     "followed by func.return");
    for (Value v : reduce->getOperands())
      if (!isa<BlockArgument>(v) || !isa<MemRefType>(v.getType()))
        return llvm::createStringError("the kred.reduce of '" +
                                       func.getSymName() +
                                       "' must take the function's memref "
                                       "arguments directly");
  }
  return kernels;
}

llvm::Expected<KernelSignature> runtime::getSignature(func::FuncOp func) {
  auto reduce = cast<ReduceOp>(func.getBody().front().front());
  KernelSignature signature;
  signature.name = func.getSymName().str();
  signature.batchDims = static_cast<int64_t>(reduce.getBatchDims());
  signature.outputsIndexedByI = reduce.getAxis() == IndexAxis::j;
  // (K = 1 keeps one entry, compared as a scalar, with a 64-bit index.)
  ReductionSpec spec = ReductionSpec::get(reduce);
  if (spec.hasEntries() && spec.k > 1)
    signature.maxTerms = std::numeric_limits<int32_t>::max();

  DenseMap<int64_t, VarCategory> categories;
  reduce.getBody().walk([&](VarOp var) {
    categories[static_cast<int64_t>(var.getPosition())] = var.getCategory();
  });

  // Every function argument must be exactly one operand of the reduction,
  // in order: inputs, outputs, then the block-sparse ranges.
  SmallVector<Value> operands(reduce.getInputs());
  llvm::append_range(operands, reduce.getOutputs());
  llvm::append_range(operands, reduce.getRanges());
  if (operands.size() != func.getNumArguments())
    return llvm::createStringError("kernel '" + signature.name +
                     "' must pass each of its arguments to the kred.reduce "
                     "once, inputs, outputs, then ranges");
  size_t firstRanges = reduce.getInputs().size() + reduce.getOutputs().size();
  for (auto [index, v] : llvm::enumerate(operands)) {
    if (v != func.getArgument(index))
      return llvm::createStringError("kernel '" + signature.name +
                       "' must pass its arguments to the kred.reduce in "
                       "order, inputs, outputs, then ranges");
    auto type = cast<MemRefType>(v.getType());
    if (!type.getLayout().isIdentity())
      return llvm::createStringError(llvm::formatv(
          "argument #{0} of kernel '{1}' has a non-contiguous layout; "
          "expected row-major memrefs",
          index, signature.name));
    ArgSpec spec;
    bool isOutput = index >= reduce.getInputs().size() && index < firstRanges;
    if (auto alias = func.getArgAttrOfType<StringAttr>(index, "kred.alias"))
      spec.name = alias.str();
    else if (auto name =
                 func.getArgAttrOfType<StringAttr>(index, "kred.ranges"))
      spec.name = name.str();
    else if (index >= firstRanges)
      spec.name = llvm::formatv("ranges #{0}", index - firstRanges);
    else if (isOutput)
      spec.name = llvm::formatv("output #{0}",
                                index - reduce.getInputs().size());
    else
      spec.name = llvm::formatv("input #{0}", index);
    if (index >= firstRanges) {
      spec.role = ArgRole::Ranges;
    } else if (isOutput) {
      spec.role = ArgRole::Output;
    } else {
      auto it = categories.find(index);
      spec.role = it == categories.end() ? ArgRole::Unused
                  : it->second == VarCategory::i ? ArgRole::IVariable
                  : it->second == VarCategory::j ? ArgRole::JVariable
                                                 : ArgRole::Parameter;
    }
    std::optional<ElementType> element = toElementType(type.getElementType());
    if (!element)
      return llvm::createStringError("argument '" + spec.name + "' has unsupported element "
                       "type");
    spec.elementType = *element;
    spec.rank = type.getRank();
    spec.dim = type.getShape().back();
    signature.args.push_back(spec);
  }
  return signature;
}

static std::string shapeString(llvm::ArrayRef<int64_t> shape) {
  std::string s = "[";
  for (auto [k, d] : llvm::enumerate(shape))
    s += (k ? ", " : "") + std::to_string(d);
  return s + "]";
}

/// The axis an argument's rows are indexed by: 0 for i, 1 for j, -1 for
/// parameters.
static int getRowAxis(const KernelSignature &signature, ArgRole role) {
  switch (role) {
  case ArgRole::IVariable: return 0;
  case ArgRole::JVariable: return 1;
  case ArgRole::Output: return signature.outputsIndexedByI ? 0 : 1;
  default: return -1;
  }
}

/// Whether `buffer`'s strides, if given, are those of a C-contiguous array
/// (dimensions of size 1 may have any stride).
static bool isContiguous(const Buffer &buffer) {
  if (buffer.strides.empty())
    return true;
  if (buffer.strides.size() != buffer.shape.size())
    return false;
  int64_t expected = 1;
  for (int64_t k = static_cast<int64_t>(buffer.shape.size()) - 1; k >= 0;
       --k) {
    if (buffer.shape[k] != 1 && buffer.strides[k] != expected)
      return false;
    expected *= buffer.shape[k];
  }
  return true;
}

/// The batch shape and row counts that a list of arrays (inputs, maybe
/// followed by outputs) agree on.
struct AgreedShape {
  std::vector<int64_t> batchShape;
  /// Rows along i and j, and the array that first gave them.
  std::optional<std::pair<int64_t, std::string>> rows[2];
};

static size_t countRole(const KernelSignature &signature, ArgRole role) {
  return llvm::count_if(signature.args,
                        [&](const ArgSpec &a) { return a.role == role; });
}

static llvm::Error checkCount(const KernelSignature &signature, size_t given,
                              bool outputsToo) {
  size_t outputs = countRole(signature, ArgRole::Output);
  size_t ranges = countRole(signature, ArgRole::Ranges);
  size_t expected =
      signature.args.size() - (outputsToo ? 0 : outputs + ranges);
  if (given == expected)
    return llvm::Error::success();
  if (!outputsToo)
    return llvm::createStringError(
        llvm::formatv("kernel '{0}' takes {1} inputs, but {2} were given",
                      signature.name, expected, given));
  return llvm::createStringError(llvm::formatv(
      "kernel '{0}' takes {1} arrays ({2} inputs, then {3} outputs{4}), but "
      "{5} were given",
      signature.name, signature.args.size(),
      signature.args.size() - outputs - ranges, outputs,
      ranges ? ", then 6 block-sparse ranges arrays" : "", given));
}

/// Checks the shapes of the first shapes.size() arguments of `signature`:
/// rank, last dimension, batch broadcasting, rows along i and j; outputs,
/// when given, must carry the full batch shape.
static llvm::Expected<AgreedShape>
checkShapes(const KernelSignature &signature,
            llvm::ArrayRef<llvm::ArrayRef<int64_t>> shapes) {
  int64_t batch = signature.batchDims;
  AgreedShape agreed;
  agreed.batchShape.assign(batch, 1);
  // An axis that no input variable indexes has one row (KeOps): a formula
  // without j-variables reduces over one term.
  for (int axis : {0, 1})
    if (llvm::none_of(signature.args, [&](const ArgSpec &a) {
          return a.role != ArgRole::Output &&
                 getRowAxis(signature, a.role) == axis;
        }))
      agreed.rows[axis] = {1, ""};
  for (auto [spec, shape] : llvm::zip(signature.args, shapes)) {
    if (spec.role == ArgRole::Ranges) {
      bool pairs = spec.rank == 2;
      if (static_cast<int64_t>(shape.size()) != spec.rank ||
          (pairs && shape[1] != 2))
        return llvm::createStringError(llvm::formatv(
            "ranges array '{0}' has shape {1}, expected {2}", spec.name,
            shapeString(shape),
            pairs ? "[clusters, 2] ([start, end) pairs)"
                  : "[clusters] (slice ends)"));
      continue;
    }
    if (static_cast<int64_t>(shape.size()) != spec.rank)
      return llvm::createStringError(llvm::formatv(
          "'{0}' has shape {1}, expected {2} dimensions ({3})", spec.name,
          shapeString(shape), spec.rank,
          spec.role == ArgRole::Parameter ? "[batch..., D]"
                                          : "[batch..., rows, D]"));
    for (int64_t d : shape)
      if (d < 0)
        return llvm::createStringError("'" + spec.name +
                                       "' has a negative dimension");
    if (shape.back() != spec.dim)
      return llvm::createStringError(llvm::formatv(
          "'{0}' has shape {1}, but its last dimension must be {2}",
          spec.name, shapeString(shape), spec.dim));
    for (int64_t k = 0; k < batch; ++k) {
      int64_t d = shape[k];
      if (d == 1)
        continue;
      if (agreed.batchShape[k] != 1 && agreed.batchShape[k] != d)
        return llvm::createStringError(llvm::formatv(
            "'{0}' has batch dimension {1} of size {2}, but another array "
            "has {3} (sizes must match or be 1)",
            spec.name, k, d, agreed.batchShape[k]));
      agreed.batchShape[k] = d;
    }
    int axis = getRowAxis(signature, spec.role);
    if (axis < 0)
      continue;
    int64_t n = shape[batch];
    auto &seen = agreed.rows[axis];
    if (!seen)
      seen = {n, spec.name};
    else if (seen->first != n && seen->second.empty())
      return llvm::createStringError(llvm::formatv(
          "'{0}' has {1} rows, expected 1: the formula has no {2}-variable, "
          "so its {2} axis has one row",
          spec.name, n, axis == 0 ? "i" : "j"));
    else if (seen->first != n)
      return llvm::createStringError(llvm::formatv(
          "'{0}' has {1} rows, but '{2}' has {3}; both are indexed by {4}",
          spec.name, n, seen->second, seen->first, axis == 0 ? "i" : "j"));
  }
  // Outputs are written at every batch index, so they carry the full shape.
  for (auto [spec, shape] : llvm::zip(signature.args, shapes)) {
    if (spec.role != ArgRole::Output)
      continue;
    for (int64_t k = 0; k < batch; ++k)
      if (shape[k] != agreed.batchShape[k])
        return llvm::createStringError(llvm::formatv(
            "'{0}' has batch dimension {1} of size {2}, expected {3} (the "
            "broadcast batch shape of the inputs)",
            spec.name, k, shape[k], agreed.batchShape[k]));
  }
  auto &terms = agreed.rows[signature.outputsIndexedByI ? 1 : 0];
  if (terms && terms->first > signature.maxTerms)
    return llvm::createStringError(llvm::formatv(
        "'{0}' has {1} rows, but kernel '{2}' reduces at most {3} terms per "
        "output row (its K best terms keep 32-bit indices)",
        terms->second, terms->first, signature.name, signature.maxTerms));
  return agreed;
}

/// The dtype, device, layout and data pointer of one argument.
static llvm::Error checkPlacement(const KernelSignature &signature,
                                  const ArgSpec &spec, const Buffer &buffer,
                                  const Device &device) {
  if (!(buffer.device == device))
    return llvm::createStringError(llvm::formatv(
        "'{0}' lives on {1}, but kernel '{2}' runs on {3}", spec.name,
        buffer.device.str(), signature.name, device.str()));
  if (!isContiguous(buffer))
    return llvm::createStringError(llvm::formatv(
        "'{0}' has strides {1} (in elements) for shape {2}; kernels take "
        "C-contiguous arrays (numpy.ascontiguousarray, "
        "torch.Tensor.contiguous)",
        spec.name, shapeString(buffer.strides), shapeString(buffer.shape)));
  if (buffer.elementType != spec.elementType)
    return llvm::createStringError(llvm::formatv(
        "'{0}' has dtype {1}, expected {2}", spec.name,
        getElementTypeName(buffer.elementType),
        getElementTypeName(spec.elementType)));
  if (buffer.data == nullptr) {
    int64_t elements = 1;
    for (int64_t d : buffer.shape)
      elements *= d;
    if (elements != 0)
      return llvm::createStringError("'" + spec.name +
                                     "' has no data pointer");
  }
  return llvm::Error::success();
}

llvm::Error runtime::checkArguments(const KernelSignature &signature,
                                    llvm::ArrayRef<Buffer> args,
                                    const Device &device) {
  if (llvm::Error err = checkCount(signature, args.size(), true))
    return err;
  llvm::SmallVector<llvm::ArrayRef<int64_t>, 8> shapes;
  for (auto [spec, buffer] : llvm::zip(signature.args, args)) {
    if (llvm::Error err = checkPlacement(signature, spec, buffer, device))
      return err;
    shapes.push_back(buffer.shape);
  }
  auto agreed = checkShapes(signature, shapes);
  if (!agreed)
    return agreed.takeError();
  if (countRole(signature, ArgRole::Ranges) == 0)
    return llvm::Error::success();
  int64_t rows[2] = {agreed->rows[0] ? agreed->rows[0]->first : 0,
                     agreed->rows[1] ? agreed->rows[1]->first : 0};
  auto first = llvm::find_if(signature.args, [](const ArgSpec &a) {
    return a.role == ArgRole::Ranges;
  });
  llvm::ArrayRef<Buffer> ranges = args.take_back(signature.args.end() - first);
  if (device.kind == DeviceKind::Cpu)
    return checkBlockSparseRanges(ranges, rows);
  // Read on the host: copied from the GPU first (KBs, one per cluster).
  std::vector<std::vector<int64_t>> copies;
  std::vector<Buffer> onHost(ranges.begin(), ranges.end());
  copies.reserve(onHost.size());
  for (Buffer &buffer : onHost) {
    int64_t elements = 1;
    for (int64_t d : buffer.shape)
      elements *= d;
    copies.emplace_back(elements);
    if (elements != 0)
      if (llvm::Error err = copyToHost(buffer, copies.back().data()))
        return err;
    buffer.data = copies.back().data();
  }
  return checkBlockSparseRanges(onHost, rows);
}

llvm::Expected<std::vector<std::vector<int64_t>>>
runtime::getOutputShapes(const KernelSignature &signature,
                         llvm::ArrayRef<std::vector<int64_t>> inputShapes) {
  if (llvm::Error err = checkCount(signature, inputShapes.size(), false))
    return std::move(err);
  llvm::SmallVector<llvm::ArrayRef<int64_t>, 8> shapes(inputShapes.begin(),
                                                       inputShapes.end());
  auto agreed = checkShapes(signature, shapes);
  if (!agreed)
    return agreed.takeError();
  std::vector<std::vector<int64_t>> outputs;
  int64_t rows = agreed->rows[signature.outputsIndexedByI ? 0 : 1]->first;
  for (const ArgSpec &spec : signature.args) {
    if (spec.role != ArgRole::Output)
      continue;
    std::vector<int64_t> shape = agreed->batchShape;
    shape.push_back(rows);
    shape.push_back(spec.dim);
    outputs.push_back(std::move(shape));
  }
  return outputs;
}

double runtime::countPairs(const KernelSignature &signature,
                           llvm::ArrayRef<Buffer> args) {
  double pairs = 1;
  bool seen[2] = {false, false};
  for (auto [spec, buffer] : llvm::zip(signature.args, args)) {
    int axis = getRowAxis(signature, spec.role);
    if (axis < 0 || seen[axis])
      continue;
    seen[axis] = true;
    pairs *= static_cast<double>(buffer.shape[signature.batchDims]);
    if (spec.role == ArgRole::Output)
      for (int64_t k = 0; k < signature.batchDims; ++k)
        pairs *= static_cast<double>(buffer.shape[k]);
  }
  return pairs;
}
