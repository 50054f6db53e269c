// A result number or count beyond what any module holds is a located error
// before MLIR's parser allocates that many values (it aborts with "LLVM
// ERROR: out of memory"), in kred-opt, kred-run and the Python entry points
// (test_errors.py).
// RUN: not kred-opt %s 2>&1 | FileCheck %s --check-prefix=OPT
// RUN: not kred-run %s 2>&1 | FileCheck %s --check-prefix=RUNERR
// RUN: sed 's/#2147483647/:99999999999999999999999999/' %s > %t.mlir
// RUN: not kred-opt %t.mlir 2>&1 | FileCheck %s --check-prefix=COUNT
// OPT: result-numbers.mlir:14:13: error: result number 2147483647 is out of range: kred reads at most 1048576 results per operation
// OPT-NEXT: return %a#2147483647 : f32
// RUNERR: kred-run: error: {{.*}}result-numbers.mlir:14:13: error: result number 2147483647 is out of range
// COUNT: error: result count 99999999999999999999... is out of range
func.func @f(%a: f32) -> f32 {
  return %a#2147483647 : f32
}
