//===- PartialStatesBinding.cpp - `_kred.PartialStates` -------------------===//
//
// A reduction computed in pieces (kred.torch.distributed): the kind's
// partial states, combine and finalize from C++ (PartialStates.h), on
// float64 NumPy arrays whose last axis is a row's components.
//
//===----------------------------------------------------------------------===//

#include "kred/Runtime/PartialStates.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace py = pybind11;
using namespace kred::runtime;

namespace {

using Rows = py::array_t<double, py::array::c_style | py::array::forcecast>;

/// The rows of `array`, whose last axis must be `width` wide.
int64_t countRows(const Rows &array, int64_t width, const char *what) {
  if (array.ndim() < 1 || array.shape(array.ndim() - 1) != width)
    throw py::value_error(std::string(what) + " must have a last axis of " +
                          std::to_string(width) + " components");
  return width ? array.size() / width : 0;
}

Rows pack(const PartialStates &states, const std::vector<Rows> &outputs,
          int64_t indexOffset) {
  llvm::SmallVector<int64_t, 2> widths = states.getStateOutputDims();
  if (outputs.size() != widths.size())
    throw py::value_error("the state kernel has " +
                          std::to_string(widths.size()) + " outputs, got " +
                          std::to_string(outputs.size()));
  int64_t rows = countRows(outputs[0], widths[0], "a state output");
  std::vector<const double *> data;
  for (size_t k = 0; k < outputs.size(); ++k) {
    if (countRows(outputs[k], widths[k], "a state output") != rows)
      throw py::value_error("the state outputs have different row counts");
    data.push_back(outputs[k].data());
  }
  Rows packed({rows, states.getStateSize()});
  states.pack(data, rows, indexOffset, packed.mutable_data());
  return packed;
}

void combine(const PartialStates &states, Rows &into, const Rows &other) {
  int64_t rows = countRows(into, states.getStateSize(), "a state");
  if (countRows(other, states.getStateSize(), "a state") != rows)
    throw py::value_error("states of different row counts cannot combine");
  states.combine(into.mutable_data(), other.data(), rows);
}

std::vector<Rows> finalize(const PartialStates &states, const Rows &packed) {
  int64_t rows = countRows(packed, states.getStateSize(), "a state");
  std::vector<Rows> outputs;
  std::vector<double *> data;
  for (const kred::ReductionOutputSpec &output : states.getOutputs()) {
    outputs.emplace_back(std::vector<int64_t>{rows, output.dim});
    data.push_back(outputs.back().mutable_data());
  }
  states.finalize(packed.data(), rows, data);
  return outputs;
}

} // namespace

void bindPartialStates(py::module_ &m) {
  py::class_<PartialStates>(m, "PartialStates")
      .def(py::init([](const std::string &kind,
                       const std::vector<int64_t> &outputDims, int64_t k) {
             auto states = PartialStates::get(kind, outputDims, k);
             if (!states)
               throw py::value_error(llvm::toString(states.takeError()));
             return *states;
           }),
           py::arg("kind"), py::arg("output_dims"), py::arg("k") = 1,
           "the partial states of reduction `kind` (KeOps name) whose outputs "
           "have dimensions `output_dims`")
      .def_property_readonly(
          "state_kind",
          [](const PartialStates &s) { return s.getStateKindName().str(); },
          "the kind whose kernel computes a piece's state")
      .def_property_readonly("state_weight_leads_with_one",
                             &PartialStates::stateWeightLeadsWithOne,
                             "whether that kernel's weight is Concat(1, G)")
      .def_property_readonly(
          "state_output_dims",
          [](const PartialStates &s) {
            auto dims = s.getStateOutputDims();
            return std::vector<int64_t>(dims.begin(), dims.end());
          })
      .def_property_readonly("state_size", &PartialStates::getStateSize)
      .def_property_readonly(
          "outputs",
          [](const PartialStates &s) {
            std::vector<std::pair<int64_t, bool>> outputs;
            for (const kred::ReductionOutputSpec &output : s.getOutputs())
              outputs.emplace_back(output.dim, output.isIndex);
            return outputs;
          },
          "the kind's outputs: (dimension, whether indices) each")
      .def(
          "identity",
          [](const PartialStates &s, int64_t rows) {
            Rows states({rows, s.getStateSize()});
            s.fillIdentity(states.mutable_data(), rows);
            return states;
          },
          py::arg("rows"), "the states of `rows` rows that saw no term")
      .def("pack", &pack, py::arg("state_outputs"), py::arg("index_offset"),
           "states (rows x state_size) from the state kernel's outputs, "
           "indices shifted by index_offset")
      .def("combine", &combine, py::arg("into"), py::arg("other"),
           "into = combine(into, other), row by row, in place")
      .def("finalize", &finalize, py::arg("states"),
           "the kind's outputs (float64, rows x dim each) of the states");
}
