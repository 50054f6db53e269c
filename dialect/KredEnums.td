//===- KredEnums.td - kred attributes ----------------------*- tablegen -*-===//

#ifndef KRED_ENUMS_TD
#define KRED_ENUMS_TD

include "mlir/IR/EnumAttr.td"

def Kred_VarCategoryAttr : I32EnumAttr<"VarCategory",
    "what a variable is indexed by: i, j, or nothing (a parameter)", [
  I32EnumAttrCase<"i", 0>,
  I32EnumAttrCase<"j", 1>,
  I32EnumAttrCase<"param", 2>
]> {
  let cppNamespace = "::kred";
}

def Kred_IndexAxisAttr : I32EnumAttr<"IndexAxis",
    "the index a reduction runs over", [
  I32EnumAttrCase<"i", 0>,
  I32EnumAttrCase<"j", 1>
]> {
  let cppNamespace = "::kred";
}

def Kred_ReductionKindAttr : I32EnumAttr<"ReductionKind",
    "the reduction applied over the reduced index", [
  I32EnumAttrCase<"Sum", 0, "sum">,
  I32EnumAttrCase<"Min", 1, "min">,
  I32EnumAttrCase<"Max", 2, "max">,
  I32EnumAttrCase<"ArgMin", 3, "arg_min">,
  I32EnumAttrCase<"ArgMax", 4, "arg_max">,
  I32EnumAttrCase<"MinArgMin", 5, "min_arg_min">,
  I32EnumAttrCase<"MaxArgMax", 6, "max_arg_max">,
  I32EnumAttrCase<"KMin", 7, "k_min">,
  I32EnumAttrCase<"ArgKMin", 8, "arg_k_min">,
  I32EnumAttrCase<"KMinArgKMin", 9, "k_min_arg_k_min">,
  I32EnumAttrCase<"LogSumExp", 10, "log_sum_exp">,
  I32EnumAttrCase<"LogSumExpWeight", 11, "log_sum_exp_weight">,
  I32EnumAttrCase<"SumSoftMaxWeight", 12, "sum_soft_max_weight">,
  I32EnumAttrCase<"MaxSumShiftExp", 13, "max_sum_shift_exp">,
  I32EnumAttrCase<"MaxSumShiftExpWeight", 14, "max_sum_shift_exp_weight">
]> {
  let cppNamespace = "::kred";
}

def Kred_SumSchemeAttr : I32EnumAttr<"SumScheme",
    "how a summation accumulates its terms", [
  I32EnumAttrCase<"Direct", 0, "direct">,
  I32EnumAttrCase<"Block", 1, "block">,
  I32EnumAttrCase<"Kahan", 2, "kahan">
]> {
  let cppNamespace = "::kred";
}

def Kred_CmpPredicateAttr : I32EnumAttr<"CmpPredicate",
    "the comparison made by kred.cmp", [
  I32EnumAttrCase<"eq", 0>,
  I32EnumAttrCase<"ne", 1>,
  I32EnumAttrCase<"lt", 2>,
  I32EnumAttrCase<"le", 3>,
  I32EnumAttrCase<"gt", 4>,
  I32EnumAttrCase<"ge", 5>
]> {
  let cppNamespace = "::kred";
}

#endif // KRED_ENUMS_TD
