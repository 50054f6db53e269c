//===- Signature.cpp - kernel arguments and their checks ------------------===//

#include "RuntimeInternal.h"

#include "kred/Dialect/Kred/IR/KredOps.h"

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

static std::optional<ElementType> toElementType(Type type) {
  if (type.isF16()) return ElementType::F16;
  if (type.isBF16()) return ElementType::BF16;
  if (type.isF32()) return ElementType::F32;
  if (type.isF64()) return ElementType::F64;
  if (type.isInteger(64)) return ElementType::I64;
  return std::nullopt;
}

llvm::Expected<func::FuncOp> runtime::findKernelFunction(ModuleOp module) {
  SmallVector<func::FuncOp> kernels;
  module.walk([&](func::FuncOp f) {
    if (!f.isExternal())
      kernels.push_back(f);
  });
  if (kernels.size() != 1)
    return llvm::createStringError(llvm::formatv(
        "expected a module with exactly one function (the kernel), found {0}",
        kernels.size()));
  func::FuncOp func = kernels.front();
  Block &body = func.getBody().front();
  auto reduce = dyn_cast<ReduceOp>(body.front());
  if (!reduce || body.getOperations().size() != 2)
    return llvm::createStringError("kernel function '" + func.getSymName() +
                     "' must hold exactly one kred.reduce followed by "
                     "func.return");
  for (Value v : reduce->getOperands())
    if (!isa<BlockArgument>(v) || !isa<MemRefType>(v.getType()))
      return llvm::createStringError("the kred.reduce of '" + func.getSymName() +
                       "' must take the function's memref arguments "
                       "directly");
  return func;
}

llvm::Expected<KernelSignature> runtime::getSignature(func::FuncOp func) {
  auto reduce = cast<ReduceOp>(func.getBody().front().front());
  KernelSignature signature;
  signature.name = func.getSymName().str();
  signature.batchDims = static_cast<int64_t>(reduce.getBatchDims());
  signature.outputsIndexedByI = reduce.getAxis() == IndexAxis::j;

  DenseMap<int64_t, VarCategory> categories;
  reduce.getBody().walk([&](VarOp var) {
    categories[static_cast<int64_t>(var.getPosition())] = var.getCategory();
  });

  // Every function argument must be exactly one operand of the reduction,
  // in order: inputs then outputs.
  SmallVector<Value> operands(reduce.getInputs());
  llvm::append_range(operands, reduce.getOutputs());
  if (operands.size() != func.getNumArguments())
    return llvm::createStringError("kernel '" + signature.name +
                     "' must pass each of its arguments to the kred.reduce "
                     "once, inputs then outputs");
  for (auto [index, v] : llvm::enumerate(operands)) {
    if (v != func.getArgument(index))
      return llvm::createStringError("kernel '" + signature.name +
                       "' must pass its arguments to the kred.reduce in "
                       "order, inputs then outputs");
    auto type = cast<MemRefType>(v.getType());
    if (!type.getLayout().isIdentity())
      return llvm::createStringError(llvm::formatv(
          "argument #{0} of kernel '{1}' has a non-contiguous layout; "
          "expected row-major memrefs",
          index, signature.name));
    ArgSpec spec;
    bool isOutput = index >= reduce.getInputs().size();
    if (auto alias = func.getArgAttrOfType<StringAttr>(index, "kred.alias"))
      spec.name = alias.str();
    else if (isOutput)
      spec.name = llvm::formatv("output #{0}",
                                index - reduce.getInputs().size());
    else
      spec.name = llvm::formatv("input #{0}", index);
    if (isOutput) {
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

llvm::Error runtime::checkArguments(const KernelSignature &signature,
                                    llvm::ArrayRef<Buffer> args) {
  if (args.size() != signature.args.size()) {
    size_t outputs = llvm::count_if(signature.args, [](const ArgSpec &a) {
      return a.role == ArgRole::Output;
    });
    return llvm::createStringError(llvm::formatv(
        "kernel '{0}' takes {1} arrays ({2} inputs, then {3} outputs), but "
        "{4} were given",
        signature.name, signature.args.size(),
        signature.args.size() - outputs, outputs, args.size()));
  }
  int64_t batch = signature.batchDims;
  // Rows along i and j, and the batch shape, as first seen.
  std::optional<std::pair<int64_t, std::string>> rows[2];
  std::vector<int64_t> batchShape(batch, 1);
  const ArgSpec *firstOutput = nullptr;
  for (auto [spec, buffer] : llvm::zip(signature.args, args)) {
    if (spec.role == ArgRole::Output && !firstOutput)
      firstOutput = &spec;
    if (buffer.elementType != spec.elementType)
      return llvm::createStringError(llvm::formatv("'{0}' has dtype {1}, expected {2}",
                                     spec.name,
                                     getElementTypeName(buffer.elementType),
                                     getElementTypeName(spec.elementType)));
    if (static_cast<int64_t>(buffer.shape.size()) != spec.rank)
      return llvm::createStringError(llvm::formatv(
          "'{0}' has shape {1}, expected {2} dimensions ({3})", spec.name,
          shapeString(buffer.shape), spec.rank,
          spec.role == ArgRole::Parameter ? "[batch..., D]"
                                          : "[batch..., rows, D]"));
    for (int64_t d : buffer.shape)
      if (d < 0)
        return llvm::createStringError("'" + spec.name + "' has a negative dimension");
    if (buffer.shape.back() != spec.dim)
      return llvm::createStringError(llvm::formatv(
          "'{0}' has shape {1}, but its last dimension must be {2}",
          spec.name, shapeString(buffer.shape), spec.dim));
    if (buffer.data == nullptr) {
      int64_t elements = 1;
      for (int64_t d : buffer.shape)
        elements *= d;
      if (elements != 0)
        return llvm::createStringError("'" + spec.name + "' has no data pointer");
    }
    for (int64_t k = 0; k < batch; ++k) {
      int64_t d = buffer.shape[k];
      if (d == 1)
        continue;
      if (batchShape[k] != 1 && batchShape[k] != d)
        return llvm::createStringError(llvm::formatv(
            "'{0}' has batch dimension {1} of size {2}, but another array "
            "has {3} (sizes must match or be 1)",
            spec.name, k, d, batchShape[k]));
      batchShape[k] = d;
    }
    int axis = -1;
    if (spec.role == ArgRole::IVariable)
      axis = 0;
    else if (spec.role == ArgRole::JVariable)
      axis = 1;
    else if (spec.role == ArgRole::Output)
      axis = signature.outputsIndexedByI ? 0 : 1;
    if (axis < 0)
      continue;
    int64_t n = buffer.shape[batch];
    auto &seen = rows[axis];
    if (!seen)
      seen = {n, spec.name};
    else if (seen->first != n)
      return llvm::createStringError(llvm::formatv(
          "'{0}' has {1} rows, but '{2}' has {3}; both are indexed by {4}",
          spec.name, n, seen->second, seen->first, axis == 0 ? "i" : "j"));
  }
  // Outputs are written at every batch index, so they carry the full shape.
  for (auto [spec, buffer] : llvm::zip(signature.args, args)) {
    if (spec.role != ArgRole::Output)
      continue;
    for (int64_t k = 0; k < batch; ++k)
      if (buffer.shape[k] != batchShape[k])
        return llvm::createStringError(llvm::formatv(
            "'{0}' has batch dimension {1} of size {2}, expected {3} (the "
            "broadcast batch shape of the inputs)",
            spec.name, k, buffer.shape[k], batchShape[k]));
  }
  int reducedAxis = signature.outputsIndexedByI ? 1 : 0;
  if (!rows[reducedAxis] && firstOutput)
    return llvm::createStringError(llvm::formatv(
        "kernel '{0}' has no {1}-variable, so the number of terms to reduce "
        "is unknown",
        signature.name, reducedAxis == 1 ? "j" : "i"));
  return llvm::Error::success();
}
