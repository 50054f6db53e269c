//===- KredEnums.td - kred attributes ----------------------*- tablegen -*-===//

#ifndef KRED_ENUMS_TD
#define KRED_ENUMS_TD

include "mlir/IR/EnumAttr.td"
include "KredReductions.td"

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

// The kinds are the records of KredReductions.td.
def Kred_ReductionKindAttr : I32EnumAttr<"ReductionKind",
    "the reduction applied over the reduced index",
    !foreach(r, !instances<KredReduction>(),
             I32EnumAttrCase<r.Name, !cast<int>(r.Value), r.Mnemonic>)> {
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
