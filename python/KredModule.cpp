//===- KredModule.cpp - the `kred._kred` native module --------------------===//
//
// A few calls over the C++ runtime: import a formula to MLIR text, compile
// MLIR text for the CPU or a CUDA device (with the runtime's memory and disk
// caches) and run a compiled kernel on arrays. Everything else is Python
// (python/kred).
//
// Kernel.run takes, per argument, either a NumPy array (read in place: it
// must be C-contiguous with the kernel's dtype) or a tuple
// (address, dtype name, shape) describing a C-contiguous buffer, which is how
// torch tensors cross without copies. The GIL is released while the kernel
// runs.
//
//===----------------------------------------------------------------------===//

#include "kred/Frontend/GenredSpecification.h"
#include "kred/Runtime/Runtime.h"

#include "llvm/Config/llvm-config.h"
#include "llvm/Support/SwapByteOrder.h"

#include <set>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace py = pybind11;
using namespace kred;
using namespace kred::runtime;

namespace {

[[noreturn]] void throwError(llvm::Error err) {
  throw py::value_error(llvm::toString(std::move(err)));
}

const char *roleName(ArgRole role) {
  switch (role) {
  case ArgRole::IVariable: return "i";
  case ArgRole::JVariable: return "j";
  case ArgRole::Parameter: return "param";
  case ArgRole::Unused: return "unused";
  case ArgRole::Output: return "output";
  case ArgRole::Ranges: return "ranges";
  }
  return "?";
}

/// A kernel's arguments as a list of dicts (name, role, dtype, rank, dim).
py::list toPython(const KernelSignature &signature) {
  py::list args;
  for (const ArgSpec &a : signature.args)
    args.append(py::dict(py::arg("name") = a.name,
                         py::arg("role") = roleName(a.role),
                         py::arg("dtype") = getElementTypeName(a.elementType),
                         py::arg("rank") = a.rank, py::arg("dim") = a.dim));
  return args;
}

/// A compiled kernel, as Python sees it.
struct PyKernel {
  CompiledKernel compiled;

  py::list signature() const {
    return toPython(compiled.kernel->getSignature());
  }

  /// A buffer described by a tuple (address, dtype name, shape[, strides[,
  /// device]]), read with CPython's API: this runs for every torch tensor
  /// of every call.
  static Buffer describedBuffer(py::handle item, size_t index) {
    auto where = [&] { return "argument #" + std::to_string(index); };
    PyObject *t = item.ptr();
    Py_ssize_t size = PyTuple_GET_SIZE(t);
    if (size < 3 || size > 5)
      throw py::type_error(where() + ": expected (address, dtype, shape[, "
                                     "strides[, device]])");
    Buffer buffer;
    buffer.data = PyLong_AsVoidPtr(PyTuple_GET_ITEM(t, 0));
    Py_ssize_t length = 0;
    const char *dtype = PyUnicode_AsUTF8AndSize(PyTuple_GET_ITEM(t, 1), &length);
    if (PyErr_Occurred())
      throw py::error_already_set();
    std::optional<ElementType> type =
        parseElementTypeName(llvm::StringRef(dtype, length));
    if (!type)
      throw py::type_error(where() + " has dtype " + std::string(dtype, length) +
                           "; expected float16, bfloat16, float32, float64 "
                           "or int64");
    buffer.elementType = *type;
    buffer.shape = readIntegers(PyTuple_GET_ITEM(t, 2), where);
    if (size > 3 && PyTuple_GET_ITEM(t, 3) != Py_None)
      buffer.strides = readIntegers(PyTuple_GET_ITEM(t, 3), where);
    if (size > 4) {
      const char *name = PyUnicode_AsUTF8AndSize(PyTuple_GET_ITEM(t, 4), &length);
      if (PyErr_Occurred())
        throw py::error_already_set();
      std::optional<Device> device = parseDevice(llvm::StringRef(name, length));
      if (!device)
        throw py::value_error(where() + " is on device '" +
                              std::string(name, length) +
                              "'; expected 'cpu' or 'cuda:N'");
      buffer.device = *device;
    }
    return buffer;
  }

  /// A tuple or list of integers (a shape or strides).
  template <typename Where>
  static std::vector<int64_t> readIntegers(PyObject *sequence, Where where) {
    PyObject *fast = PySequence_Fast(sequence, "expected a tuple of integers");
    if (!fast)
      throw py::error_already_set();
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    std::vector<int64_t> values(n);
    for (Py_ssize_t k = 0; k < n; ++k)
      values[k] = PyLong_AsLongLong(PySequence_Fast_GET_ITEM(fast, k));
    Py_DECREF(fast);
    if (PyErr_Occurred()) {
      PyErr_Clear();
      throw py::type_error(where() + ": its shape and strides must be integers");
    }
    return values;
  }

  /// One argument as a Buffer; `index` names it in errors.
  Buffer toBuffer(py::handle item, size_t index) const {
    if (PyTuple_Check(item.ptr()))
      return describedBuffer(item, index);
    Buffer buffer;
    if (!py::isinstance<py::array>(item))
      throw py::type_error("argument #" + std::to_string(index) +
                           " must be a NumPy array or an (address, dtype, "
                           "shape) tuple");
    auto array = py::reinterpret_borrow<py::array>(item);
    // Kind and size, not the dtype's name: formatting it costs microseconds.
    py::dtype dtype = array.dtype();
    char kind = dtype.kind();
    ssize_t size = dtype.itemsize();
    std::optional<ElementType> type;
    if (kind == 'f' && size == 2) type = ElementType::F16;
    if (kind == 'f' && size == 4) type = ElementType::F32;
    if (kind == 'f' && size == 8) type = ElementType::F64;
    if (kind == 'i' && size == 8) type = ElementType::I64;
    if (!type)
      throw py::type_error("argument #" + std::to_string(index) +
                           " has dtype " + py::str(dtype).cast<std::string>() +
                           "; expected float16, float32, float64 or int64");
    // NumPy's byte order: '=' native, '|' none, '<' or '>' explicit.
    // Read from the descriptor: the attribute costs a third of a small call.
    char order = dtype.byteorder();
    bool bigEndianHost = llvm::sys::IsBigEndianHost;
    if ((order == '>' && !bigEndianHost) || (order == '<' && bigEndianHost))
      throw py::value_error(
          "argument #" + std::to_string(index) + " has dtype " +
          py::str(dtype).cast<std::string>() +
          ", in the other byte order; kernels read the machine's: convert it "
          "with a.astype(a.dtype.newbyteorder('='))");
    buffer.elementType = *type;
    buffer.data = const_cast<void *>(array.data());
    buffer.shape.assign(array.shape(), array.shape() + array.ndim());
    if (!(array.flags() & py::array::c_style))
      for (ssize_t k = 0; k < array.ndim(); ++k)
        buffer.strides.push_back(array.strides(k) / size);
    return buffer;
  }

  /// Binds the kernel to the layouts of `args` (checked as run checks them).
  struct PyBoundKernel bind(const py::sequence &args) const;

  /// The outputs' shapes for inputs of these shapes (checked).
  std::vector<py::tuple> outputShapes(
      const std::vector<std::vector<int64_t>> &inputShapes) const {
    auto shapes =
        getOutputShapes(compiled.kernel->getSignature(), inputShapes);
    if (!shapes)
      throwError(shapes.takeError());
    std::vector<py::tuple> result;
    for (const auto &shape : *shapes)
      result.push_back(py::tuple(py::cast(shape)));
    return result;
  }

  /// Runs on `args`; on a GPU, `stream` is the CUstream to launch on, and
  /// with `host_arrays` the arrays are on the host: copied to the device
  /// and the outputs back.
  /// Every argument as a Buffer.
  std::vector<Buffer> toBuffers(const py::sequence &args) const {
    std::vector<Buffer> buffers;
    buffers.reserve(args.size());
    for (size_t k = 0, e = args.size(); k < e; ++k)
      buffers.push_back(toBuffer(args[k], k));
    return buffers;
  }

  void run(const py::sequence &args, uintptr_t stream, bool hostArrays) const {
    std::vector<Buffer> buffers = toBuffers(args);
    const Kernel &kernel = *compiled.kernel;
    LaunchOptions launch;
    launch.cudaStream = reinterpret_cast<void *>(stream);
    llvm::Error err = llvm::Error::success();
    {
      py::gil_scoped_release release;
      if (hostArrays && kernel.getDevice().kind != DeviceKind::Cpu) {
        auto copies = DeviceCopies::create(kernel.getSignature(), buffers,
                                           kernel.getDevice());
        err = copies ? kernel.run(copies->buffers(), launch) : copies.takeError();
        if (!err)
          err = copies->copyOutputsBack();
      } else {
        err = kernel.run(buffers, launch);
      }
    }
    if (err)
      throwError(std::move(err));
  }
};

/// The options of a compile: `pipelineOptions` (the target's pipeline
/// options, as kred-opt takes them) first, then fast math and OpenMP unless
/// it names them.
CompileOptions makeOptions(bool fastMath, bool diskCache,
                           const std::string &cacheDir, bool openmp,
                           const std::string &device,
                           const std::string &pipelineOptions) {
  CompileOptions options;
  std::optional<Device> parsed = parseDevice(device);
  if (!parsed)
    throw py::value_error("device '" + device +
                          "' is not one of cpu, cuda, cuda:N, gpu-sim");
  options.device = *parsed;
  if (llvm::Error err = setPipelineOptions(options, pipelineOptions,
                                          parsed->kind != DeviceKind::Cpu))
    throwError(std::move(err));
  if (pipelineOptions.find("fast-math=") == std::string::npos)
    options.gpuTarget.fastMath = options.target.fastMath = fastMath;
  if (pipelineOptions.find("openmp=") == std::string::npos)
    options.target.openmp = openmp;
  options.cache.diskCache = diskCache;
  options.cache.cacheDir = cacheDir;
  return options;
}

FormulaImportOptions makeImportOptions(const std::string &dtype,
                                       int64_t batchDims,
                                       const std::string &accType,
                                       const std::string &sumScheme,
                                       bool ranges) {
  FormulaImportOptions import;
  import.dtype = dtype;
  import.batchDims = batchDims;
  import.accType = accType;
  import.sumScheme = sumScheme;
  import.ranges = ranges;
  return import;
}

const char *originName(KernelOrigin origin) {
  switch (origin) {
  case KernelOrigin::Compiled: return "compiled";
  case KernelOrigin::MemoryCache: return "memory cache";
  case KernelOrigin::DiskCache: return "disk cache";
  }
  return "?";
}

/// A kernel bound to its arrays' layouts (Kernel.bind): runs on arrays at
/// other addresses, laid out alike, without checking them again.
struct PyBoundKernel {
  std::shared_ptr<const Kernel> kernel; // outlives the bound launch
  std::shared_ptr<const BoundLaunch> launch;

  /// `arrays`: addresses (integers) or NumPy arrays, inputs then outputs.
  void run(const py::sequence &arrays) const {
    PyObject *fast = PySequence_Fast(arrays.ptr(), "expected a list of arrays");
    if (!fast)
      throw py::error_already_set();
    llvm::SmallVector<void *, 8> addresses;
    bool valid = true;
    for (Py_ssize_t k = 0, e = PySequence_Fast_GET_SIZE(fast); k < e; ++k) {
      py::handle item = PySequence_Fast_GET_ITEM(fast, k);
      if (PyLong_Check(item.ptr()))
        addresses.push_back(PyLong_AsVoidPtr(item.ptr()));
      else if (py::isinstance<py::array>(item))
        addresses.push_back(const_cast<void *>(
            py::reinterpret_borrow<py::array>(item).data()));
      else
        valid = false;
    }
    Py_DECREF(fast);
    if (PyErr_Occurred())
      throw py::error_already_set();
    if (!valid)
      throw py::type_error("a bound kernel runs on addresses (integers) or "
                           "NumPy arrays");
    llvm::Error err = llvm::Error::success();
    {
      py::gil_scoped_release release;
      err = launch->run(addresses);
    }
    if (err)
      throwError(std::move(err));
  }
};

} // namespace

const BoundLaunch *boundLaunchOf(PyObject *bound) {
  try {
    return py::cast<const PyBoundKernel &>(py::handle(bound)).launch.get();
  } catch (const py::cast_error &) {
    PyErr_SetString(PyExc_TypeError, "AddressLaunch takes a BoundKernel");
    return nullptr;
  }
}

namespace {

PyBoundKernel PyKernel::bind(const py::sequence &args) const {
  auto launch = compiled.kernel->bind(toBuffers(args));
  if (!launch)
    throwError(launch.takeError());
  return PyBoundKernel{compiled.kernel, std::move(*launch)};
}

/// The Kernel class: a compiled kernel, its signature, its run.
void bindKernel(py::module_ &m) {
  py::class_<PyBoundKernel>(m, "BoundKernel")
      .def("run", &PyBoundKernel::run, py::arg("arrays"),
           "runs on arrays laid out as the bound ones (addresses, or NumPy "
           "arrays), inputs then outputs; they are not checked again");
  py::class_<PyKernel>(m, "Kernel")
      .def_property_readonly("signature", &PyKernel::signature,
                             "the arguments: inputs then outputs")
      .def_property_readonly(
          "origin",
          [](const PyKernel &k) { return originName(k.compiled.origin); })
      .def_property_readonly(
          "compile_seconds",
          [](const PyKernel &k) { return k.compiled.seconds; })
      .def_property_readonly(
          "source",
          [](const PyKernel &k) { return k.compiled.kernel->getSource(); })
      .def_property_readonly("outputs_indexed_by_i",
                             [](const PyKernel &k) {
                               return k.compiled.kernel->getSignature()
                                   .outputsIndexedByI;
                             })
      .def("output_shapes", &PyKernel::outputShapes, py::arg("input_shapes"),
           "the outputs' shapes for inputs of these shapes; ValueError "
           "naming the argument when they do not fit the kernel (batch "
           "broadcasting, rows along i and j)")
      .def_property_readonly("device",
                             [](const PyKernel &k) {
                               return k.compiled.kernel->getDevice().str();
                             })
      .def("run", &PyKernel::run, py::arg("args"), py::arg("stream") = 0,
           py::arg("host_arrays") = false,
           "runs the kernel on its inputs then outputs (C-contiguous NumPy "
           "arrays or (address, dtype, shape[, strides[, device]]) tuples); "
           "on a GPU, launched on the CUstream `stream`, and with "
           "host_arrays=True the arrays are on the host (copied to the "
           "device and the outputs back)")
      .def("bind", &PyKernel::bind, py::arg("args"),
           "a BoundKernel: the arrays' layouts (as run takes them: inputs "
           "then outputs) checked once, for runs at other addresses");
}

/// A reduction as pykeops' Genred takes it (formula, aliases, reduction,
/// axis, K, formula2), with its accumulation options and the gradients
/// taken of it: what the Python package holds of a formula. It crosses to
/// C++ once; its signature and kernels are made from it here, and import
/// errors point at the part the user wrote.
struct PyFormula {
  GenredSpecification spec;
  std::string accType, sumScheme;
  std::vector<std::vector<unsigned>> gradients;

  FormulaRequest request(const std::string &dtype, int64_t batchDims,
                         bool ranges) const {
    return {spec.getText(),
            makeImportOptions(dtype, batchDims, accType, sumScheme, ranges),
            gradients};
  }

  template <typename T> T take(llvm::Expected<T> value) const {
    if (!value)
      throw py::value_error(
          spec.describeImportErrors(llvm::toString(value.takeError())));
    return std::move(*value);
  }

  py::list signature(const std::string &dtype, int64_t batchDims,
                     bool ranges) const {
    return toPython(take(getFormulaSignature(request(dtype, batchDims, ranges))));
  }

  std::string text(const std::string &dtype, int64_t batchDims,
                   bool ranges) const {
    return take(importFormulaToText(request(dtype, batchDims, ranges)));
  }

  PyKernel compile(const std::string &dtype, int64_t batchDims, bool ranges,
                   bool fastMath, const std::string &device,
                   const std::string &pipelineOptions) const {
    CompileOptions options = makeOptions(fastMath, /*diskCache=*/true, "",
                                         /*openmp=*/true, device,
                                         pipelineOptions);
    FormulaRequest formula = request(dtype, batchDims, ranges);
    llvm::Expected<CompiledKernel> compiled = [&] {
      py::gil_scoped_release release;
      return compileFormula(formula, options);
    }();
    return PyKernel{take(std::move(compiled))};
  }

  PyFormula gradient(const std::vector<unsigned> &inputs) const {
    PyFormula derived = *this;
    derived.gradients.push_back(inputs);
    return derived;
  }
};

void bindFormula(py::module_ &m) {
  py::class_<PyFormula>(m, "Formula")
      .def(py::init([](std::string formula, std::vector<std::string> aliases,
                       std::string reduction, int axis,
                       std::optional<int64_t> k,
                       std::optional<std::string> formula2,
                       std::string accType, std::string sumScheme) {
             return PyFormula{{std::move(formula), std::move(aliases),
                               std::move(reduction), axis, k,
                               std::move(formula2)},
                              std::move(accType), std::move(sumScheme), {}};
           }),
           py::arg("formula"), py::arg("aliases"), py::arg("reduction") = "Sum",
           py::arg("axis") = 0, py::arg("k") = py::none(),
           py::arg("formula2") = py::none(), py::arg("acc_type") = "",
           py::arg("sum_scheme") = "",
           "a reduction in pykeops' terms (axis 0 reduces over i, 1 over j)")
      .def("signature", &PyFormula::signature, py::arg("dtype") = "float32",
           py::arg("batch_dims") = 0, py::arg("ranges") = false,
           "the arguments of its kernel (as `signature`), without compiling "
           "it; ValueError naming the part and position of an error")
      .def("text", &PyFormula::text, py::arg("dtype") = "float32",
           py::arg("batch_dims") = 0, py::arg("ranges") = false,
           "its kernel as MLIR text")
      .def("compile", &PyFormula::compile, py::arg("dtype") = "float32",
           py::arg("batch_dims") = 0, py::arg("ranges") = false,
           py::arg("fast_math") = true, py::arg("device") = "cpu",
           py::arg("pipeline_options") = "",
           "its kernel compiled for `device` (as compile_module)")
      .def("gradient", &PyFormula::gradient, py::arg("inputs"),
           "the Formula of its gradient with respect to `inputs` (as "
           "reduction_gradient)");
}

/// Formula import, gradient kernels and compilation.
void bindCompilation(py::module_ &m) {
  m.def(
      "import_formula",
      [](const std::string &spec, const std::string &dtype,
         std::optional<std::string> reduction, std::optional<int> axis,
         std::optional<int64_t> k, int64_t batchDims,
         const std::string &accType, const std::string &sumScheme,
         bool ranges) {
        FormulaImportOptions import =
            makeImportOptions(dtype, batchDims, accType, sumScheme, ranges);
        import.reduction = reduction;
        import.axis = axis;
        import.k = k;
        llvm::Expected<std::string> text = importFormulaToText({spec, import});
        if (!text)
          throwError(text.takeError());
        return *text;
      },
      py::arg("spec"), py::arg("dtype") = "float32",
      py::arg("reduction") = py::none(), py::arg("axis") = py::none(),
      py::arg("k") = py::none(), py::arg("batch_dims") = 0,
      py::arg("acc_type") = "", py::arg("sum_scheme") = "",
      py::arg("ranges") = false,
      "imports a KeOps formula specification; returns the kernel as MLIR "
      "text, or raises ValueError with the position of the error");

  m.def(
      "reduction_gradient",
      [](const std::string &text, const std::vector<unsigned> &inputs) {
        llvm::Expected<std::string> gradient =
            buildGradientKernelText(text, inputs);
        if (!gradient)
          throwError(gradient.takeError());
        return *gradient;
      },
      py::arg("text"), py::arg("inputs"),
      "the gradient kernel (MLIR text) of the kernel in `text` with respect "
      "to `inputs` (positions; the gradients concatenated): a Sum reduction "
      "taking the cotangent `e` and what the reduction kind needs of the "
      "forward pass after the inputs");

  m.def(
      "compile_module",
      [](const std::string &text, bool fastMath, bool diskCache,
         const std::string &cacheDir, bool openmp, const std::string &device,
         const std::string &pipelineOptions) {
        CompileOptions options = makeOptions(fastMath, diskCache, cacheDir,
                                             openmp, device, pipelineOptions);
        llvm::Expected<CompiledKernel> compiled = [&] {
          py::gil_scoped_release release;
          return compileModule(text, options);
        }();
        if (!compiled)
          throwError(compiled.takeError());
        return PyKernel{std::move(*compiled)};
      },
      py::arg("text"), py::arg("fast_math") = true,
      py::arg("disk_cache") = true, py::arg("cache_dir") = "",
      py::arg("openmp") = true, py::arg("device") = "cpu",
      py::arg("pipeline_options") = "",
      "compiles MLIR text holding one kernel function for `device` (cpu, "
      "cuda:N, gpu-sim); `pipeline_options`: the target pipeline's options "
      "('tile-j=1024 rows-per-chunk=1', as kred-opt and kred-run take them)");
}

/// The GPUs and their code.
void bindDevices(py::module_ &m) {
  m.def(
      "cuda_devices",
      [] {
        auto count = getCudaDeviceCount();
        if (!count)
          throw py::value_error(llvm::toString(count.takeError()));
        std::vector<std::string> devices;
        for (int k = 0; k < *count; ++k) {
          auto description = describeCudaDevice(k);
          if (!description)
            throw py::value_error(llvm::toString(description.takeError()));
          devices.push_back(*description);
        }
        return devices;
      },
      "the CUDA devices, 'NAME (sm_XY)' each; ValueError saying why there "
      "are none (no driver)");

  m.def(
      "emit_ptx",
      [](const std::string &text, const std::string &chip, bool fastMath) {
        GpuTargetOptions options;
        options.chip = chip;
        options.fastMath = fastMath;
        llvm::Expected<std::string> ptx = [&] {
          py::gil_scoped_release release;
          return emitPtx(text, options);
        }();
        if (!ptx)
          throwError(ptx.takeError());
        return *ptx;
      },
      py::arg("text"), py::arg("chip") = "sm_80", py::arg("fast_math") = true,
      "the PTX of the kernels in MLIR text for an NVIDIA architecture; "
      "needs no GPU");
}

/// Each reduction kind's record, by KeOps name (older names too), as a dict
/// of the fields the Python package reads.
py::dict describeReductions() {
  py::dict table;
  for (const ReductionKindInfo &info : getReductionKinds()) {
    py::dict record;
    record["name"] = info.keopsName;
    record["num_outputs"] = info.getOutputs(1, 1, 1).size();
    record["with_values"] = info.withValues;
    record["with_indices"] = info.withIndices;
    record["takes_k"] = info.takesK;
    record["takes_weight"] = info.takesWeight;
    record["weighted_kind"] = info.weightedKind;
    record["indexed_kind"] = info.indexedKind;
    record["gradient_partial"] = info.gradientPartial;
    record["gradient_reads_argmax"] = info.gradientReadsArgMax;
    table[info.keopsName] = record;
    if (*info.keopsAlias)
      table[info.keopsAlias] = record;
  }
  return table;
}

/// KeOps' formula functions, by name: arity, and whether componentwise (a
/// LazyTensor method), generated from the ops' ODS definitions.
py::dict describeFormulaFunctions() {
  py::dict table;
  for (const KeOpsFunctionInfo &f : getKeOpsFunctions()) {
    py::dict record;
    record["arity"] = f.arity;
    record["componentwise"] = f.componentwise;
    table[f.name] = record;
  }
  return table;
}

/// Python's repr of a shape tuple: (), (5,), (5, 2).
std::string shapeText(const std::vector<int64_t> &shape) {
  std::string text = "(";
  for (size_t k = 0; k < shape.size(); ++k)
    text += (k ? ", " : "") + std::to_string(shape[k]);
  return text + (shape.size() == 1 ? ",)" : ")");
}

/// The call's arrays against the formula's arguments ((name, category,
/// dim) each), before a kernel is chosen: their number, that each is an
/// array of `arrayName` (a description (dtype, shape), or None), one float
/// dtype, and the rank and last dimension each category needs. Returns the
/// dtype and the number of batch dimensions.
py::tuple checkArguments(
    const std::vector<std::tuple<std::string, std::string, int64_t>> &arguments,
    const std::vector<std::optional<std::pair<std::string,
                                              std::vector<int64_t>>>> &given,
    const std::string &arrayName) {
  if (given.size() != arguments.size()) {
    std::string names;
    for (const auto &[name, category, dim] : arguments)
      names += (names.empty() ? "" : ", ") + name;
    throw py::value_error("this reduction takes " +
                          std::to_string(arguments.size()) + " arrays (" +
                          names + "), but " + std::to_string(given.size()) +
                          " were given");
  }
  for (size_t k = 0; k < given.size(); ++k) {
    const std::string &name = std::get<0>(arguments[k]);
    if (!given[k])
      throw py::type_error("argument " + name + " must be a " + arrayName);
    const std::string &dtype = given[k]->first;
    std::optional<ElementType> type = parseElementTypeName(dtype);
    if (!type || *type == ElementType::I64)
      throw py::type_error("argument " + name + " has dtype " + dtype +
                           "; expected float16, bfloat16, float32 or float64");
  }
  for (const auto &g : given) {
    if (g->first == given.front()->first)
      continue;
    // Built only for the message: this runs on every call.
    std::string pairs;
    for (size_t k = 0; k < given.size(); ++k)
      pairs += (k ? ", " : "") + std::get<0>(arguments[k]) + " is " +
               given[k]->first;
    throw py::type_error("all arrays must share one dtype, but " + pairs);
  }
  size_t batch = 0;
  for (size_t k = 0; k < given.size(); ++k) {
    const auto &[name, category, dim] = arguments[k];
    const std::vector<int64_t> &shape = given[k]->second;
    size_t rows = category == "param" ? 0 : 1;
    if (shape.size() < rows + 1 || shape.back() != dim) {
      std::string kind = category == "i" ? "Vi" : category == "j" ? "Vj" : "Pm";
      std::string form = "(..., " + std::string(rows ? "N, " : "") +
                         std::to_string(dim) + ")";
      throw py::value_error("argument " + name + " = " + kind + "(" +
                            std::to_string(dim) + ") expects shape " + form +
                            ", got " + shapeText(shape));
    }
    batch = std::max(batch, shape.size() - rows - 1);
  }
  return py::make_tuple(given.empty() ? "float32" : given.front()->first,
                        batch);
}

/// Where a call's arrays are (`homes`: "cpu", "cuda:N" for each) and where
/// its kernel runs, from pykeops' backend ("auto": where the arrays are;
/// "CPU"; a GPU name: cuda:device_id, the arrays' GPU for -1, else 0, or
/// the SIMT simulator for host arrays when `simulated`).
std::pair<std::string, std::string>
chooseDevice(const std::vector<std::string> &homes, const std::string &backend,
             int deviceId, bool simulated) {
  std::set<std::string> distinct(homes.begin(), homes.end());
  if (distinct.size() > 1) {
    std::string names;
    for (const std::string &home : distinct)
      names += (names.empty() ? "" : ", ") + home;
    throw py::value_error("all arrays must be on one device, got " + names);
  }
  std::string home = distinct.empty() ? "cpu" : *distinct.begin();
  if (backend == "CPU" || backend == "cpu") {
    if (home != "cpu")
      throw py::value_error("backend='CPU' runs on arrays in host memory; these "
                            "are on " + home + " (use backend='auto' or 'GPU')");
    return {home, "cpu"};
  }
  if (backend == "auto")
    return {home, home};
  if (home == "cpu" && simulated)
    return {home, "gpu-sim"};
  if (deviceId >= 0)
    return {home, "cuda:" + std::to_string(deviceId)};
  return {home, home != "cpu" ? home : "cuda:0"};
}

/// What the Python package reads of the C++ side: signatures, the cache
/// folder, the host, the reductions and dtypes.
void bindTables(py::module_ &m) {
  m.def(
      "signature",
      [](const std::string &text) {
        llvm::Expected<KernelSignature> signature = getKernelSignature(text);
        if (!signature)
          throwError(signature.takeError());
        return toPython(*signature);
      },
      py::arg("text"),
      "the arguments of the kernel in MLIR text (inputs in position order, "
      "then outputs), without compiling it");

  m.def(
      "cache_directory",
      [](const std::string &cacheDir) {
        CacheOptions options;
        options.cacheDir = cacheDir;
        return getCacheDirectory(options);
      },
      py::arg("cache_dir") = "");
  m.def("host", &describeHost, "the host CPU, as code is generated for it");
  m.def("formula_functions", &describeFormulaFunctions,
        "the functions of KeOps' formula language, by name");
  m.def(
      "variable_categories",
      [] {
        py::dict codes;
        for (VarCategory c :
             {VarCategory::i, VarCategory::j, VarCategory::param})
          codes[py::str(stringifyVarCategory(c).str())] = static_cast<int>(c);
        return codes;
      },
      "KeOps' category codes of variables (Var(POS, D, CAT)): name -> code");
  m.def("check_arguments", &checkArguments, py::arg("arguments"),
        py::arg("given"), py::arg("array_name"),
        "checks a call's arrays ((dtype, shape) each, or None for what is "
        "not an array) against a formula's arguments ((name, category, dim) "
        "each); returns (dtype, batch dimensions); TypeError or ValueError "
        "naming the argument");
  m.def("choose_device", &chooseDevice, py::arg("homes"), py::arg("backend"),
        py::arg("device_id"), py::arg("simulated"),
        "(where the arrays are, where the kernel runs) for a call; ValueError "
        "when the arrays are on several devices or the backend cannot reach "
        "them");
  m.def("reductions", &describeReductions,
        "the reduction kinds, by KeOps name: their records "
        "(dialect/KredReductions.td)");
  m.def(
      "float_dtypes",
      [] {
        py::list names;
        for (ElementType type : {ElementType::F16, ElementType::BF16,
                                 ElementType::F32, ElementType::F64})
          names.append(getElementTypeName(type));
        return py::tuple(names);
      },
      "the floating-point dtypes kernels take (NumPy names)");
}

} // namespace

void bindPartialStates(py::module_ &m); // PartialStatesBinding.cpp
void bindLazyCore(py::module_ &m);      // LazyCore.cpp
void bindAddressLaunch(py::module_ &m); // AddressLaunch.cpp
void bindTensorCallKey(py::module_ &m); // TensorCallKey.cpp
void bindClusterRanges(py::module_ &m); // ClusterRanges.cpp
void bindConjugateGradient(py::module_ &m); // ConjugateGradient.cpp

PYBIND11_MODULE(_kred, m) {
  m.doc() = "kred's native module: compile kernel reductions, run them";
  bindKernel(m);
  bindCompilation(m);
  bindFormula(m);
  bindPartialStates(m);
  bindLazyCore(m);
  bindAddressLaunch(m);
  bindTensorCallKey(m);
  bindClusterRanges(m);
  bindConjugateGradient(m);
  bindDevices(m);
  bindTables(m);
  m.attr("llvm_version") = LLVM_VERSION_STRING;
}
