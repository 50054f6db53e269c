//===- KredReductions.td - every reduction kind, one record each -*- tablegen -*-===//
//
// A reduction kind is one KredReduction record: the ReductionKind enum
// (KredEnums.td) and the C++ table of KredTables.td (read through
// ReductionKinds.h by the verifier,
// the importer, the semantics, the gradient, the reference evaluator and,
// through the native module, Python) are generated from these records.
// What a family computes (identity, combine, finalize) is written once in
// ReductionSemantics.h; adding a kind of an existing family is a record here.
//
//===----------------------------------------------------------------------===//

#ifndef KRED_REDUCTIONS_TD
#define KRED_REDUCTIONS_TD

include "llvm/TableGen/SearchableTable.td"

// How a kind's state is combined (ReductionSemantics.h).
class ReductionFamily<int value> { int Value = value; }
def SumFamily : ReductionFamily<0>;          // componentwise sums
def ExtremumFamily : ReductionFamily<1>;     // componentwise Min / Max
def EntriesFamily : ReductionFamily<2>;      // K best (value, index) entries
def ExponentialFamily : ReductionFamily<3>;  // (max m, sums of exp(F - m))
def KredReductionFamily : GenericEnum {
  let FilterClass = "ReductionFamily";
  let ValueField = "Value";
}

// What an exponential sum outputs from its state (m, s, s_G).
class ExponentialOutput<int value> { int Value = value; }
def NotExponential : ExponentialOutput<0>;
def LogOfSums : ExponentialOutput<1>;        // m + log s
def SoftMaxAverage : ExponentialOutput<2>;   // s_G / s
def ShiftAndSums : ExponentialOutput<3>;     // m, then the sums
def KredExponentialOutput : GenericEnum {
  let FilterClass = "ExponentialOutput";
  let ValueField = "Value";
}

// How the reference evaluator scales its tolerance for an output.
class ReferenceScale<int value> { int Value = value; }
def MagnitudeScale : ReferenceScale<0>;      // the terms' magnitudes reduced
def LogScale : ReferenceScale<1>;            // a logarithm: at least 1
def KredReferenceScale : GenericEnum {
  let FilterClass = "ReferenceScale";
  let ValueField = "Value";
}

class KredReduction<int value, string name, string mnemonic, string keopsName,
                    ReductionFamily family> {
  bits<8> Value = value;           // the ReductionKind enumerator's value
  string Name = name;              // the ReductionKind enumerator
  string Mnemonic = mnemonic;      // its spelling in the IR
  string KeOpsName = keopsName;
  string KeOpsAlias = "";          // an older KeOps name
  ReductionFamily Family = family;
  bit TakesK = 0;                  // reduction_op takes K (opt_arg)
  bit TakesWeight = 0;             // a weight formula G follows F
  bit ScalarFormula = 0;           // F must have dimension 1
  // Extremum and entries families: order, and the outputs.
  bit IsMin = 0;
  bit WithValues = 1;
  bit WithIndices = 0;
  // Exponential family.
  bit PlainSum = 0;                // the state holds s = sum exp(F - m)
  ExponentialOutput Output = NotExponential;
  // pykeops spells this kind's weighted form with formula2 under its name.
  string WeightedKind = "";
  // What the gradient reads of the forward pass: the result, the kind
  // that also outputs the selected indices, another reduction of the same
  // formulas, whether the index of the maximum of F.
  bit GradientReadsResult = 0;
  string IndexedKind = "";
  string GradientPartial = "";
  bit GradientReadsArgMax = 0;
  ReferenceScale Tolerance = MagnitudeScale;
}

class Selection<int value, string name, string mnemonic, string keopsName,
                ReductionFamily family, bit isMin, bit values, bit indices>
    : KredReduction<value, name, mnemonic, keopsName, family> {
  let IsMin = isMin;
  let WithValues = values;
  let WithIndices = indices;
  let TakesK = !eq(family, EntriesFamily);
}

def Kred_Sum : KredReduction<0, "Sum", "sum", "Sum", SumFamily>;
def Kred_Min : Selection<1, "Min", "min", "Min", ExtremumFamily, 1, 1, 0> {
  let IndexedKind = "Min_ArgMin";
}
def Kred_Max : Selection<2, "Max", "max", "Max", ExtremumFamily, 0, 1, 0> {
  let IndexedKind = "Max_ArgMax";
}
// Arg kinds of a single entry are K = 1 entry lists.
def Kred_ArgMin : Selection<3, "ArgMin", "arg_min", "ArgMin", EntriesFamily,
                            1, 0, 1> { let TakesK = 0; }
def Kred_ArgMax : Selection<4, "ArgMax", "arg_max", "ArgMax", EntriesFamily,
                            0, 0, 1> { let TakesK = 0; }
def Kred_MinArgMin : Selection<5, "MinArgMin", "min_arg_min", "Min_ArgMin",
                               EntriesFamily, 1, 1, 1> {
  let TakesK = 0;
  let IndexedKind = "Min_ArgMin";
}
def Kred_MaxArgMax : Selection<6, "MaxArgMax", "max_arg_max", "Max_ArgMax",
                               EntriesFamily, 0, 1, 1> {
  let TakesK = 0;
  let IndexedKind = "Max_ArgMax";
}
def Kred_KMin : Selection<7, "KMin", "k_min", "KMin", EntriesFamily, 1, 1, 0> {
  let IndexedKind = "KMin_ArgKMin";
}
def Kred_ArgKMin : Selection<8, "ArgKMin", "arg_k_min", "ArgKMin",
                             EntriesFamily, 1, 0, 1>;
def Kred_KMinArgKMin : Selection<9, "KMinArgKMin", "k_min_arg_k_min",
                                 "KMin_ArgKMin", EntriesFamily, 1, 1, 1> {
  let IndexedKind = "KMin_ArgKMin";
}

class Exponential<int value, string name, string mnemonic, string keopsName,
                  ExponentialOutput output, bit plainSum, bit weighted>
    : KredReduction<value, name, mnemonic, keopsName, ExponentialFamily> {
  let Output = output;
  let PlainSum = plainSum;
  let TakesWeight = weighted;
  let ScalarFormula = 1;
  let Tolerance = !if(!eq(output, LogOfSums), LogScale, MagnitudeScale);
  let GradientReadsResult = 1;
  let GradientReadsArgMax = !eq(output, ShiftAndSums);
}

def Kred_LogSumExp : Exponential<10, "LogSumExp", "log_sum_exp", "LogSumExp",
                                 LogOfSums, 1, 0> {
  let WeightedKind = "LogSumExpWeight";
}
def Kred_LogSumExpWeight
    : Exponential<11, "LogSumExpWeight", "log_sum_exp_weight",
                  "LogSumExpWeight", LogOfSums, 0, 1> {
  // KeOps' gradient, from (m, s): finite where a weight sum s < 0 makes
  // the result m + log s NaN.
  let GradientReadsResult = 0;
  let GradientPartial = "Max_SumShiftExpWeight";
}
// A softmax needs the plain sum s, the normalizer.
def Kred_SumSoftMaxWeight
    : Exponential<12, "SumSoftMaxWeight", "sum_soft_max_weight",
                  "SumSoftMaxWeight", SoftMaxAverage, 1, 1> {
  let KeOpsAlias = "SoftMax";
  let GradientPartial = "LogSumExp";
}
def Kred_MaxSumShiftExp
    : Exponential<13, "MaxSumShiftExp", "max_sum_shift_exp", "Max_SumShiftExp",
                  ShiftAndSums, 1, 0> {
  let WeightedKind = "Max_SumShiftExpWeight";
}
def Kred_MaxSumShiftExpWeight
    : Exponential<14, "MaxSumShiftExpWeight", "max_sum_shift_exp_weight",
                  "Max_SumShiftExpWeight", ShiftAndSums, 0, 1>;

#endif // KRED_REDUCTIONS_TD
