//===- CWriter.cpp - the C header and wrapper of an AOT library -----------===//

#include "CWriter.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <set>

using namespace kred;
using namespace kred::aot;
using runtime::ArgRole;
using runtime::ArgSpec;
using runtime::KernelSignature;

#include "AotSources.inc"

namespace {
/// kred_aot_runtime.c's limits.
constexpr int64_t kMaxRank = 16, kMaxArgs = 64;

bool isIdentifier(llvm::StringRef name) {
  return !name.empty() && !llvm::isDigit(name.front()) &&
         llvm::all_of(name, [](char c) { return llvm::isAlnum(c) || c == '_'; });
}

/// `name` as a C identifier (other characters become '_').
std::string toIdentifier(llvm::StringRef name) {
  std::string id;
  for (char c : name)
    if (llvm::isAlnum(c) || c == '_')
      id += c;
    else if (id.empty() || id.back() != '_')
      id += '_';
  if (id.empty() || llvm::isDigit(id.front()))
    id = "_" + id;
  return id;
}

/// `text` as the inside of a C string literal.
std::string escape(llvm::StringRef text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\')
      out += '\\';
    out += llvm::isPrint(c) ? c : '?';
  }
  return out;
}

const char *roleName(ArgRole role) {
  switch (role) {
  case ArgRole::IVariable: return "KRED_I_VARIABLE";
  case ArgRole::JVariable: return "KRED_J_VARIABLE";
  case ArgRole::Parameter: return "KRED_PARAMETER";
  case ArgRole::Unused: return "KRED_UNUSED";
  case ArgRole::Output: return "KRED_OUTPUT";
  case ArgRole::Ranges: return "KRED_RANGES";
  }
  return "KRED_UNUSED";
}

/// KRED_FLOAT32, ...: kred_aot.h's names are the runtime's, upper case.
std::string dtypeName(runtime::ElementType type) {
  return "KRED_" + llvm::StringRef(runtime::getElementTypeName(type)).upper();
}

/// The C parameter names of a kernel's arrays: its aliases, unique, never
/// `status`.
std::vector<std::string> parameterNames(const KernelSignature &signature) {
  std::set<std::string> taken = {"status"};
  std::vector<std::string> names;
  for (const ArgSpec &arg : signature.args) {
    std::string name = toIdentifier(arg.name);
    while (!taken.insert(name).second)
      name += "_";
    names.push_back(name);
  }
  return names;
}

/// "[batch..., N, 3] float32, an i-variable" for the header's comment.
std::string describe(const KernelSignature &signature, const ArgSpec &arg) {
  if (arg.role == ArgRole::Ranges)
    return arg.rank == 2 ? "[clusters, 2] int64, block-sparse [start, end) pairs"
                         : "[clusters] int64, block-sparse slice ends";
  std::string batch = signature.batchDims ? "batch..., " : "";
  std::string rows = arg.role == ArgRole::JVariable ? "M"
                     : arg.role == ArgRole::IVariable ? "N"
                     : signature.outputsIndexedByI ? "N" : "M";
  std::string shape =
      arg.role == ArgRole::Parameter || arg.role == ArgRole::Unused
          ? llvm::formatv("[{0}{1}]", batch, arg.dim).str()
          : llvm::formatv("[{0}{1}, {2}]", batch, rows, arg.dim).str();
  const char *role = arg.role == ArgRole::IVariable   ? "i-variable"
                     : arg.role == ArgRole::JVariable ? "j-variable"
                     : arg.role == ArgRole::Parameter ? "parameter"
                     : arg.role == ArgRole::Output    ? "output"
                                                      : "unused input";
  return llvm::formatv("{0} {1}, {2}", shape,
                       runtime::getElementTypeName(arg.elementType), role);
}

/// The typed C function of a kernel; its GPU form (`gpu`) ends in _gpu
/// and takes a stream.
std::string prototype(const Library &library, const KernelSignature &signature,
                      bool gpu) {
  std::vector<std::string> names = parameterNames(signature);
  std::string text = "int " + library.name + "_" + toIdentifier(signature.name) +
                     (gpu ? "_gpu(" : "(");
  for (auto [arg, name] : llvm::zip(signature.args, names))
    text += (arg.role == ArgRole::Output ? "kred_array *" : "const kred_array *") +
            name + ", ";
  return text + (gpu ? "void *stream, " : "") + "kred_status *status)";
}

/// The typed function's definition: the arrays by name, gathered into one
/// list for kred_call_K (kred_gpu_call_K).
std::string typedFunction(const Library &library, size_t k,
                          const KernelSignature &signature, bool gpu) {
  std::vector<std::string> names = parameterNames(signature);
  std::string text = "KRED_EXPORT " + prototype(library, signature, gpu) + " {\n";
  text += llvm::formatv("  kred_array args[{0}];\n", signature.args.size());
  for (auto [a, name] : llvm::enumerate(names))
    text += llvm::formatv(
        "  if (!{0})\n    return kred_fail(status, \"'%s' is missing (a null "
        "pointer)\", kred_args_{1}[{2}].name);\n  args[{2}] = *{0};\n",
        name, k, a);
  return text + llvm::formatv("  return kred_{0}call_{1}(args, {2}status);\n}\n\n",
                              gpu ? "gpu_" : "", k, gpu ? "stream, " : "")
                    .str();
}

/// `text` as a C string literal, one source line per line of text.
std::string literal(llvm::StringRef text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '\n') {
      out += "\\n\"\n\"";
      continue;
    }
    if (c == '"' || c == '\\')
      out += '\\';
    out += c == '\t' ? ' ' : c;
  }
  return out + "\"";
}

/// The GPU part of the library's C file: the launches, the PTX, the
/// driver code (kred_aot_gpu.c) and one kred_gpu_call_K per kernel.
std::string writeGpuSource(const runtime::GpuKernelImage &gpu) {
  std::string text = llvm::formatv("\n#define KRED_PTX_BYTES {0}\n"
                                   "#define KRED_GPU_KERNEL_COUNT {1}\n",
                                   gpu.ptx.size() + 1, gpu.symbols.size());
  text += kAotGpu;
  for (auto [k, launched] : llvm::enumerate(gpu.launchedArguments)) {
    text += llvm::formatv("static const int32_t kred_launched_{0}[] = {{", k);
    for (int64_t position : launched)
      text += std::to_string(position) + ", ";
    text += "-1};\n";
  }
  text += "static const kred_gpu_kernel kred_gpu_kernels[KRED_GPU_KERNEL_COUNT] = {\n";
  for (auto [k, symbol] : llvm::enumerate(gpu.symbols))
    text += llvm::formatv("  {{\"{0}\", {1}, {2}, kred_launched_{3}},\n", symbol,
                          gpu.blockSizes[k], gpu.launchedArguments[k].size(), k);
  text += "};\n";
  text += "static const char kred_ptx[KRED_PTX_BYTES] =\n" + literal(gpu.ptx) + ";\n\n";
  for (size_t k = 0; k < gpu.symbols.size(); ++k)
    text += llvm::formatv(
        "static int kred_gpu_call_{0}(const kred_array *args, void *stream,\n"
        "                             kred_status *status) {{\n"
        "  return kred_gpu_run(&kred_kernels[{0}], {0}, args, stream, status);\n}\n",
        k);
  return text;
}
} // namespace

llvm::Error aot::checkLibrary(const Library &library) {
  if (!isIdentifier(library.name))
    return llvm::createStringError(
        "the library's name '" + library.name +
        "' must be a C identifier (letters, digits, '_'): it prefixes every "
        "function of the library (-o libNAME.so)");
  std::set<std::string> functions;
  for (const KernelSignature &signature : library.kernels) {
    if (!functions.insert(toIdentifier(signature.name)).second)
      return llvm::createStringError("two kernels are both named '" +
                                     toIdentifier(signature.name) + "' in C");
    if (static_cast<int64_t>(signature.args.size()) > kMaxArgs)
      return llvm::createStringError(llvm::formatv(
          "kernel '{0}' takes {1} arrays; an AOT library takes at most {2}",
          signature.name, signature.args.size(), kMaxArgs));
    for (const ArgSpec &arg : signature.args) {
      if (arg.role == ArgRole::Ranges && library.gpu)
        return llvm::createStringError(
            "kernel '" + signature.name +
            "' takes block-sparse ranges, which GPU libraries of kred-aot do "
            "not take yet (their checks would read the ranges on the GPU); "
            "build it without --gpu-chip, or run it through kred's runtime "
            "(backend=\"GPU\")");
      if (arg.rank > kMaxRank)
        return llvm::createStringError(llvm::formatv(
            "kernel '{0}': '{1}' has {2} dimensions; at most {3}",
            signature.name, arg.name, arg.rank, kMaxRank));
    }
  }
  return llvm::Error::success();
}

std::string aot::writeHeader(const Library &library) {
  std::string guard = llvm::StringRef(library.name).upper() + "_KRED_AOT_H";
  std::string origin = library.origin;
  for (size_t at; (at = origin.find("*/")) != std::string::npos;)
    origin.replace(at, 2, "* /");
  std::string text = "/* " + library.name + ".h: written by kred-aot from " +
                     origin + ". Link lib" + library.name +
                     ".so (and libomp). */\n";
  text += kAotHeader;
  text += "\n#ifndef " + guard + "\n#define " + guard + "\n\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
  for (const KernelSignature &signature : library.kernels) {
    text += llvm::formatv("/* Kernel '{0}' ({1} batch dimension{2}; outputs "
                          "indexed by {3}):\n",
                          signature.name, signature.batchDims,
                          signature.batchDims == 1 ? "" : "s",
                          signature.outputsIndexedByI ? "i" : "j");
    for (auto [arg, name] : llvm::zip(signature.args, parameterNames(signature)))
      text += "     " + name + ": " + describe(signature, arg) + "\n";
    text += "   Returns KRED_OK, or KRED_BAD_ARGUMENT with status->message. */\n";
    text += prototype(library, signature, false) + ";\n";
    if (library.gpu)
      text += "/* The same on the GPU: device pointers, launched on `stream` (see\n"
              "   kred_kernel_info.gpu_call); KRED_NO_DEVICE without a CUDA driver. */\n" +
              prototype(library, signature, true) + ";\n";
    text += "\n";
  }
  text += "/* The kernels, for callers that discover them (kred.aot.load). */\n";
  text += "const kred_kernel_info *" + library.name + "_kernels(int32_t *count);\n";
  text += "\n#ifdef __cplusplus\n}\n#endif\n\n#endif /* " + guard + " */\n";
  return text;
}

std::string aot::writeSource(const Library &library) {
  std::string text = "/* lib" + library.name + ".so's C part, written by kred-aot. */\n";
  text += "#include \"" + library.name + ".h\"\n\n";
  text += kAotRuntime;
  text += "\n#define KRED_EXPORT __attribute__((visibility(\"default\")))\n\n";
  size_t count = library.kernels.size();
  text += llvm::formatv("static const kred_kernel_info kred_kernels[{0}];\n\n", count);
  if (library.gpu)
    text += writeGpuSource(*library.gpu);
  for (auto [k, signature] : llvm::enumerate(library.kernels)) {
    text += llvm::formatv("static const kred_arg_info kred_args_{0}[] = {{\n", k);
    for (const ArgSpec &arg : signature.args)
      text += llvm::formatv("  {{\"{0}\", {1}, {2}, {3}, {4}},\n",
                            escape(arg.name), roleName(arg.role),
                            dtypeName(arg.elementType), arg.rank, arg.dim);
    text += "};\n";
    text += "void " + library.entryPoints[k] + "(void **descriptors);\n";
    text += llvm::formatv(
        "static int kred_call_{0}(const kred_array *args, kred_status *status) {{\n"
        "  return kred_run(&kred_kernels[{0}], {1}, args, status);\n}\n"
        "static int kred_output_shape_{0}(const kred_array *inputs, int32_t output,\n"
        "                                 int64_t *shape, kred_status *status) {{\n"
        "  return kred_output_shape(&kred_kernels[{0}], inputs, output, shape, status);\n}\n",
        k, library.entryPoints[k]);
    text += typedFunction(library, k, signature, false);
    if (library.gpu)
      text += typedFunction(library, k, signature, true);
  }
  text += llvm::formatv("static const kred_kernel_info kred_kernels[{0}] = {{\n", count);
  for (auto [k, signature] : llvm::enumerate(library.kernels))
    text += llvm::formatv("  {{\"{0}\", {1}, {2}, {3}, kred_args_{4}, kred_call_{4}, "
                          "kred_output_shape_{4}, {5}, {6}LL},\n",
                          escape(signature.name), signature.batchDims,
                          signature.outputsIndexedByI ? 1 : 0,
                          signature.args.size(), k,
                          library.gpu ? "kred_gpu_call_" + std::to_string(k) : "0",
                          signature.maxTerms);
  text += "};\n\n";
  text += "KRED_EXPORT const kred_kernel_info *" + library.name +
          "_kernels(int32_t *count) {\n";
  text += llvm::formatv("  *count = {0};\n  return kred_kernels;\n}\n", count);
  return text;
}
