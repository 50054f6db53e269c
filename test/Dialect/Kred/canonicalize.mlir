// RUN: kred-opt %s --canonicalize --cse --split-input-file | FileCheck %s

// Algebraic identities (KredFolds.cpp) and the merging of repeated
// subexpressions, which holds because formula ops are Pure.

// CHECK-LABEL: func @neutral_elements
// CHECK-SAME: (%[[X:.*]]: vector<3xf32>)
// CHECK-NOT: kred.
// CHECK: return %[[X]], %[[X]], %[[X]], %[[X]], %[[X]], %[[X]]
func.func @neutral_elements(%x: vector<3xf32>) -> (vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>) {
  %zero = kred.constant dense<0.0> : vector<1xf32>
  %one = kred.constant dense<1.0> : vector<1xf32>
  %0 = kred.add %x, %zero : vector<3xf32>, vector<1xf32>
  %1 = kred.add %zero, %x : vector<1xf32>, vector<3xf32>
  %2 = kred.sub %x, %zero : vector<3xf32>, vector<1xf32>
  %3 = kred.mul %one, %x : vector<1xf32>, vector<3xf32>
  %4 = kred.mul %x, %one : vector<3xf32>, vector<1xf32>
  %5 = kred.div %x, %one : vector<3xf32>, vector<1xf32>
  return %0, %1, %2, %3, %4, %5 : vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>
}

// -----

// A scalar x plus a zero vector broadcasts: the result is not x.
// CHECK-LABEL: func @neutral_element_that_broadcasts
// CHECK: kred.add
func.func @neutral_element_that_broadcasts(%x: vector<1xf32>) -> vector<3xf32> {
  %zero = kred.constant dense<0.0> : vector<3xf32>
  %0 = kred.add %x, %zero : vector<1xf32>, vector<3xf32>
  return %0 : vector<3xf32>
}

// -----

// CHECK-LABEL: func @inverse_pairs
// CHECK-SAME: (%[[X:.*]]: vector<2xf64>)
// CHECK-NOT: kred.
// CHECK: return %[[X]], %[[X]], %[[X]], %[[X]], %[[X]], %[[X]]
func.func @inverse_pairs(%x: vector<2xf64>) -> (vector<2xf64>, vector<2xf64>, vector<2xf64>, vector<2xf64>, vector<2xf64>, vector<2xf64>) {
  %m = kred.minus %x : vector<2xf64>
  %0 = kred.minus %m : vector<2xf64>
  %i = kred.inv %x : vector<2xf64>
  %1 = kred.inv %i : vector<2xf64>
  %l = kred.log %x : vector<2xf64>
  %2 = kred.exp %l : vector<2xf64>
  %e = kred.exp %x : vector<2xf64>
  %3 = kred.log %e : vector<2xf64>
  %4 = kred.pow %x, 1 : vector<2xf64>
  %5 = kred.extract %x, 0, 2 : vector<2xf64>
  return %0, %1, %2, %3, %4, %5 : vector<2xf64>, vector<2xf64>, vector<2xf64>, vector<2xf64>, vector<2xf64>, vector<2xf64>
}

// -----

// CHECK-LABEL: func @powers
// CHECK-SAME: (%[[X:.*]]: vector<3xf32>)
// CHECK-DAG: %[[ONE:.*]] = kred.constant dense<1.000000e+00> : vector<3xf32>
// CHECK-DAG: %[[SQ:.*]] = kred.square %[[X]] : vector<3xf32>
// CHECK-DAG: %[[INV:.*]] = kred.inv %[[X]] : vector<3xf32>
// CHECK-DAG: %[[CUBE:.*]] = kred.pow %[[X]], 3 : vector<3xf32>
// CHECK-DAG: %[[SQRT:.*]] = kred.sqrt %[[X]] : vector<3xf32>
// CHECK: return %[[SQ]], %[[INV]], %[[ONE]], %[[SQ]], %[[CUBE]], %[[SQRT]]
func.func @powers(%x: vector<3xf32>) -> (vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>) {
  %0 = kred.pow %x, 2 : vector<3xf32>
  %1 = kred.pow %x, -1 : vector<3xf32>
  %2 = kred.pow %x, 0 : vector<3xf32>
  %3 = kred.mul %x, %x : vector<3xf32>, vector<3xf32>
  %three = kred.constant dense<3.0> : vector<1xf32>
  %4 = kred.powf %x, %three : vector<3xf32>, vector<1xf32>
  %half = kred.constant dense<0.5> : vector<1xf32>
  %5 = kred.powf %x, %half : vector<3xf32>, vector<1xf32>
  return %0, %1, %2, %3, %4, %5 : vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>
}

// -----

// A real exponent stays a powf.
// CHECK-LABEL: func @real_power
// CHECK: kred.powf
func.func @real_power(%x: vector<3xf32>) -> vector<3xf32> {
  %c = kred.constant dense<2.5> : vector<1xf32>
  %0 = kred.powf %x, %c : vector<3xf32>, vector<1xf32>
  return %0 : vector<3xf32>
}

// -----

// CHECK-LABEL: func @signs
// CHECK-SAME: (%[[X:.*]]: vector<3xf32>, %[[Y:.*]]: vector<3xf32>)
// CHECK-DAG: %[[SUB:.*]] = kred.sub %[[X]], %[[Y]]
// CHECK-DAG: %[[ADD:.*]] = kred.add %[[X]], %[[Y]]
// CHECK-DAG: %[[NEG:.*]] = kred.minus %[[X]]
// CHECK: return %[[SUB]], %[[SUB]], %[[ADD]], %[[NEG]]
func.func @signs(%x: vector<3xf32>, %y: vector<3xf32>) -> (vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>) {
  %my = kred.minus %y : vector<3xf32>
  %0 = kred.add %x, %my : vector<3xf32>, vector<3xf32>
  %1 = kred.add %my, %x : vector<3xf32>, vector<3xf32>
  %2 = kred.sub %x, %my : vector<3xf32>, vector<3xf32>
  %minus_one = kred.constant dense<-1.0> : vector<1xf32>
  %3 = kred.mul %minus_one, %x : vector<1xf32>, vector<3xf32>
  return %0, %1, %2, %3 : vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>
}

// -----

// CHECK-LABEL: func @norms
// CHECK-SAME: (%[[X:.*]]: vector<3xf32>, %[[Y:.*]]: vector<3xf32>)
// CHECK-DAG: %[[N:.*]] = kred.norm2 %[[X]]
// CHECK-DAG: %[[A:.*]] = kred.abs %[[X]]
// CHECK-DAG: %[[D:.*]] = kred.sqdist %[[X]], %[[Y]]
// CHECK-DAG: %[[S:.*]] = kred.sqnorm2 %[[X]]
// CHECK: return %[[N]], %[[A]], %[[D]], %[[S]]
func.func @norms(%x: vector<3xf32>, %y: vector<3xf32>) -> (vector<1xf32>, vector<3xf32>, vector<1xf32>, vector<1xf32>) {
  %s = kred.sqnorm2 %x : vector<3xf32>
  %0 = kred.sqrt %s : vector<1xf32>
  %sq = kred.square %x : vector<3xf32>
  %1 = kred.sqrt %sq : vector<3xf32>
  %diff = kred.sub %x, %y : vector<3xf32>, vector<3xf32>
  %2 = kred.sqnorm2 %diff : vector<3xf32>
  %3 = kred.scalprod %x, %x : vector<3xf32>, vector<3xf32>
  return %0, %1, %2, %3 : vector<1xf32>, vector<3xf32>, vector<1xf32>, vector<1xf32>
}

// -----

// Folding rounds to the element type: exp(1) in f32.
// CHECK-LABEL: func @fold_rounds_to_f32
// CHECK: kred.constant dense<2.71828175> : vector<1xf32>
func.func @fold_rounds_to_f32() -> vector<1xf32> {
  %one = kred.constant dense<1.0> : vector<1xf32>
  %0 = kred.exp %one : vector<1xf32>
  return %0 : vector<1xf32>
}

// -----

// Inside a reduction: repeated subexpressions and variables merge, dead
// ones disappear, constants fold.
// CHECK-LABEL: func @formula
// CHECK: kred.reduce sum over j
// CHECK-NEXT: %[[C:.*]] = kred.constant dense<-5.000000e-01> : vector<1xf32>
// CHECK-NEXT: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-NEXT: %[[Y:.*]] = kred.var j 1 : vector<3xf32>
// CHECK-NEXT: %[[D:.*]] = kred.sqdist %[[X]], %[[Y]]
// CHECK-NEXT: %[[M:.*]] = kred.mul %[[D]], %[[C]]
// CHECK-NEXT: %[[E:.*]] = kred.exp %[[M]]
// CHECK-NEXT: %[[S:.*]] = kred.add %[[E]], %[[E]]
// CHECK-NEXT: kred.yield %[[S]] : vector<1xf32>
func.func @formula(%x: memref<?x3xf32>, %y: memref<?x3xf32>, %out: memref<?x1xf32>) {
  kred.reduce sum over j ins(%x, %y : memref<?x3xf32>, memref<?x3xf32>) outs(%out : memref<?x1xf32>) {
    %xi = kred.var i 0 : vector<3xf32>
    %yj = kred.var j 1 : vector<3xf32>
    %yj2 = kred.var j 1 : vector<3xf32>
    %two = kred.constant dense<2.0> : vector<1xf32>
    %half = kred.inv %two : vector<1xf32>
    %mhalf = kred.minus %half : vector<1xf32>
    %d1 = kred.sqdist %xi, %yj : vector<3xf32>, vector<3xf32>
    %d2 = kred.sqdist %xi, %yj2 : vector<3xf32>, vector<3xf32>
    %unused = kred.norm2 %xi : vector<3xf32>
    %m1 = kred.mul %d1, %mhalf : vector<1xf32>, vector<1xf32>
    %m2 = kred.mul %d2, %mhalf : vector<1xf32>, vector<1xf32>
    %e1 = kred.exp %m1 : vector<1xf32>
    %e2 = kred.exp %m2 : vector<1xf32>
    %s = kred.add %e1, %e2 : vector<1xf32>, vector<1xf32>
    kred.yield %s : vector<1xf32>
  }
  return
}

// -----

// Results wider than 1024 components are not folded into constants.
// CHECK-LABEL: func @no_huge_constants
// CHECK: kred.sum_t
func.func @no_huge_constants() -> vector<5000xf32> {
  %c = kred.constant dense<1.0> : vector<1xf32>
  %0 = kred.sum_t %c, 5000 : vector<1xf32>
  return %0 : vector<5000xf32>
}

// -----

// Division by constants whose reciprocals are exact (powers of two) becomes
// a multiplication; by others (3, 0, f32's smallest subnormal, whose
// reciprocal overflows) it stays.
// CHECK-LABEL: func @division_by_powers_of_two
// CHECK-SAME: (%[[X:.*]]: vector<3xf32>)
// CHECK-DAG: %[[HALF:.*]] = kred.constant dense<5.000000e-01> : vector<1xf32>
// CHECK-DAG: %[[FACTORS:.*]] = kred.constant dense<[4.000000e+00, -2.000000e+00, 1.250000e-01]> : vector<3xf32>
// CHECK-DAG: %[[A:.*]] = kred.mul %[[X]], %[[HALF]] : vector<3xf32>, vector<1xf32>
// CHECK-DAG: %[[B:.*]] = kred.mul %[[X]], %[[FACTORS]] : vector<3xf32>, vector<3xf32>
// CHECK-DAG: %[[C:.*]] = kred.div %[[X]], %{{.*}} : vector<3xf32>, vector<3xf32>
// CHECK-DAG: %[[D:.*]] = kred.div %[[X]], %{{.*}} : vector<3xf32>, vector<1xf32>
// CHECK: return %[[A]], %[[B]], %[[C]], %[[D]]
func.func @division_by_powers_of_two(%x: vector<3xf32>) -> (vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>) {
  %two = kred.constant dense<2.0> : vector<1xf32>
  %powers = kred.constant dense<[0.25, -0.5, 8.0]> : vector<3xf32>
  %mixed = kred.constant dense<[2.0, 3.0, 0.0]> : vector<3xf32>
  %tiny = kred.constant dense<1.0e-45> : vector<1xf32>
  %0 = kred.div %x, %two : vector<3xf32>, vector<1xf32>
  %1 = kred.div %x, %powers : vector<3xf32>, vector<3xf32>
  %2 = kred.div %x, %mixed : vector<3xf32>, vector<3xf32>
  %3 = kred.div %x, %tiny : vector<3xf32>, vector<1xf32>
  return %0, %1, %2, %3 : vector<3xf32>, vector<3xf32>, vector<3xf32>, vector<3xf32>
}
