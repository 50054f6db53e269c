//===- KredTables.td - C++ tables generated from the dialect -*- tablegen -*-===//
//
// llvm-tblgen --gen-searchable-tables turns the records of the dialect into
// the constant tables that the importer, the native Python module and the
// rest of kred read (KredTables.inc):
// - the reduction kinds (KredReductions.td; ReductionKinds.h);
// - the KeOps functions: each formula op's `keopsNames`, with its arity and
//   integer and tuple arguments read from its ODS arguments (FormulaImport.h).
//
//===----------------------------------------------------------------------===//

include "KredOps.td"

//===----------------------------------------------------------------------===//
// KeOps functions
//===----------------------------------------------------------------------===//

/// A name KeOps formulas call a function by: the op it builds ("" for a
/// function the importer expands into other ops), its formula arguments,
/// then its integer arguments and its tuple arguments (names, in order).
class KeOpsFunction<string name, string opName, int arity,
                    list<string> intArgs = [], list<string> tupleArgs = [],
                    list<string> optionalTupleArgs = [],
                    bit componentwise = 0> {
  string Name = name;
  string OpName = opName;
  bits<8> Arity = arity;
  string IntArgs = !interleave(intArgs, ",");
  string TupleArgs = !interleave(tupleArgs, ",");
  string OptionalTupleArgs = !interleave(optionalTupleArgs, ",");
  // A componentwise function of one vector (a LazyTensor method).
  bit Componentwise = componentwise;
}


/// `name` for `op`, its arguments read from its ODS definition: operands,
/// then I64Attr, DenseI64ArrayAttr and OptionalAttr<DenseI64ArrayAttr>.
class KeOpsOpName<string name, Kred_FormulaOp op>
    : KeOpsFunction<name, op.opDialect.name # "." # op.opName,
        !size(!filter(i, !range(!size(op.arguments)),
            !isa<TypeConstraint>(!getdagarg<Constraint>(op.arguments, i)))),
        !foreach(i, !filter(i, !range(!size(op.arguments)),
            !isa<TypedSignlessIntegerAttrBase>(
                !getdagarg<Constraint>(op.arguments, i))),
          !getdagname(op.arguments, i)),
        !foreach(i, !filter(i, !range(!size(op.arguments)),
            !isa<DenseArrayAttrBase>(!getdagarg<Constraint>(op.arguments, i))),
          !getdagname(op.arguments, i)),
        !foreach(i, !filter(i, !range(!size(op.arguments)),
            !isa<OptionalAttr>(!getdagarg<Constraint>(op.arguments, i))),
          !getdagname(op.arguments, i)),
        !isa<Kred_UnaryOp>(op)>;

foreach op = !instances<Kred_FormulaOp>() in
  foreach name = op.keopsNames in
    def : KeOpsOpName<name, op>;

// Complex operations on (re, im) pairs, and GradMatrix: expanded by the
// importer into real ops (ComplexFormulas.cpp).
foreach name = ["ComplexReal", "ComplexImag", "ComplexAngle", "ComplexAbs",
                "ComplexSquareAbs", "Conj", "ComplexExp", "ComplexExp1j",
                "Real2Complex", "Imag2Complex", "ComplexSum"] in
  def : KeOpsFunction<name, "", 1>;
def : KeOpsFunction<"ComplexSumT", "", 1, ["dim"]>;
foreach name = ["ComplexAdd", "ComplexSubtract", "ComplexMult",
                "ComplexDivide", "ComplexRealScal", "GradMatrix"] in
  def : KeOpsFunction<name, "", 2>;

def KeOpsFunctionTable : GenericTable {
  let FilterClass = "KeOpsFunction";
  let CppTypeName = "KeOpsFunctionInfo";
  let Fields = ["Name", "OpName", "Arity", "IntArgs", "TupleArgs",
                "OptionalTupleArgs", "Componentwise"];
}

//===----------------------------------------------------------------------===//
// Reduction kinds
//===----------------------------------------------------------------------===//

def KredReductionTable : GenericTable {
  let FilterClass = "KredReduction";
  let CppTypeName = "ReductionKindInfo";
  let Fields = ["Value", "Name", "Mnemonic", "KeOpsName", "KeOpsAlias",
                "Family", "TakesK", "TakesWeight", "ScalarFormula", "IsMin",
                "WithValues", "WithIndices", "PlainSum", "Output",
                "WeightedKind", "GradientReadsResult", "IndexedKind",
                "GradientPartial",
                "GradientReadsArgMax", "Tolerance"];
  string TypeOf_Family = "KredReductionFamily";
  string TypeOf_Output = "KredExponentialOutput";
  string TypeOf_Tolerance = "KredReferenceScale";
  let PrimaryKey = ["Value"];
  let PrimaryKeyName = "lookupReductionKindInfo";
}

