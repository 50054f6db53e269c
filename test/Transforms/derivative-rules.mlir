// RUN: kred-opt %s --split-input-file --kred-autodiff --canonicalize --cse | FileCheck %s

// Each formula op's vector-Jacobian product (DifferentiableOpInterface),
// one op per case: kred.grad(op(X, ...), X, E) expanded and simplified.
// X = kred.var 0 is differentiated, E is the cotangent; the other
// variables are the op's other operands. Subgradients follow KeOps 2.3:
// abs gets sign (0 at 0), sqrt rsqrt / 2 (0 at 0), relu step (1 at 0),
// clamp passes e unless x < lo or x > hi (kinks and NaN included), max/min
// route e to the selected component, if_else selects the taken branch's
// gradient; sign, step, floor, round, argmax, argmin and one_hot have none.

// add: e, and e summed onto a broadcast scalar
// CHECK-LABEL: func.func @add(
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 1 : vector<3xf32>
// CHECK: %[[V2:.*]] = kred.sum %[[E]] : vector<3xf32>
// CHECK: %[[V3:.*]] = kred.sum_t %[[V2]], 3 : vector<1xf32>
// CHECK: %[[V4:.*]] = kred.add %[[E]], %[[V3]] : vector<3xf32>, vector<3xf32>
// CHECK: kred.yield %[[V4]] : vector<3xf32>
func.func @add(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x3xf32> {kred.alias = "E"}, %arg2: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1 : memref<?x3xf32>, memref<?x3xf32>) outs(%arg2 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<3xf32>
      %2 = kred.sum %0 : vector<3xf32>
      %3 = kred.add %0, %2 : vector<3xf32>, vector<1xf32>
      %4 = kred.grad %3, %0, %1 : vector<3xf32>, vector<3xf32>, vector<3xf32>
      kred.yield %4 : vector<3xf32>
    }
    return
  }

// -----

// sub: e and -e
// CHECK-LABEL: func.func @sub(
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[Y:.*]] = kred.var j 1 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 2 : vector<3xf32>
// CHECK: kred.yield %[[E]] : vector<3xf32>
func.func @sub(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x3xf32> {kred.alias = "Y"}, %arg2: memref<?x3xf32> {kred.alias = "E"}, %arg3: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1, %arg2 : memref<?x3xf32>, memref<?x3xf32>, memref<?x3xf32>) outs(%arg3 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<3xf32>
      %2 = kred.var j 2 : vector<3xf32>
      %3 = kred.sub %0, %1 : vector<3xf32>, vector<3xf32>
      %4 = kred.grad %3, %0, %2 : vector<3xf32>, vector<3xf32>, vector<3xf32>
      kred.yield %4 : vector<3xf32>
    }
    return
  }

// -----

// mul: e * other operand
// CHECK-LABEL: func.func @mul(
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[Y:.*]] = kred.var j 1 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 2 : vector<3xf32>
// CHECK: %[[V3:.*]] = kred.mul %[[E]], %[[Y]] : vector<3xf32>, vector<3xf32>
// CHECK: kred.yield %[[V3]] : vector<3xf32>
func.func @mul(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x3xf32> {kred.alias = "Y"}, %arg2: memref<?x3xf32> {kred.alias = "E"}, %arg3: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1, %arg2 : memref<?x3xf32>, memref<?x3xf32>, memref<?x3xf32>) outs(%arg3 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<3xf32>
      %2 = kred.var j 2 : vector<3xf32>
      %3 = kred.mul %0, %1 : vector<3xf32>, vector<3xf32>
      %4 = kred.grad %3, %0, %2 : vector<3xf32>, vector<3xf32>, vector<3xf32>
      kred.yield %4 : vector<3xf32>
    }
    return
  }

// -----

// div: e / y
// CHECK-LABEL: func.func @div(
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[Y:.*]] = kred.var j 1 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 2 : vector<3xf32>
// CHECK: %[[V3:.*]] = kred.div %[[E]], %[[Y]] : vector<3xf32>, vector<3xf32>
// CHECK: kred.yield %[[V3]] : vector<3xf32>
func.func @div(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x3xf32> {kred.alias = "Y"}, %arg2: memref<?x3xf32> {kred.alias = "E"}, %arg3: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1, %arg2 : memref<?x3xf32>, memref<?x3xf32>, memref<?x3xf32>) outs(%arg3 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<3xf32>
      %2 = kred.var j 2 : vector<3xf32>
      %3 = kred.div %0, %1 : vector<3xf32>, vector<3xf32>
      %4 = kred.grad %3, %0, %2 : vector<3xf32>, vector<3xf32>, vector<3xf32>
      kred.yield %4 : vector<3xf32>
    }
    return
  }

// -----

// div, denominator: -(y e) / x^2 (KeOps' form: -(a e) / Square(b))
// CHECK-LABEL: func.func @div_denominator(
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[Y:.*]] = kred.var j 1 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 2 : vector<3xf32>
// CHECK: %[[V3:.*]] = kred.square %[[X]] : vector<3xf32>
// CHECK: %[[V4:.*]] = kred.mul %[[Y]], %[[E]] : vector<3xf32>, vector<3xf32>
// CHECK: %[[V5:.*]] = kred.div %[[V4]], %[[V3]] : vector<3xf32>, vector<3xf32>
// CHECK: %[[V6:.*]] = kred.minus %[[V5]] : vector<3xf32>
// CHECK: kred.yield %[[V6]] : vector<3xf32>
func.func @div_denominator(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x3xf32> {kred.alias = "Y"}, %arg2: memref<?x3xf32> {kred.alias = "E"}, %arg3: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1, %arg2 : memref<?x3xf32>, memref<?x3xf32>, memref<?x3xf32>) outs(%arg3 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<3xf32>
      %2 = kred.var j 2 : vector<3xf32>
      %3 = kred.div %1, %0 : vector<3xf32>, vector<3xf32>
      %4 = kred.grad %3, %0, %2 : vector<3xf32>, vector<3xf32>, vector<3xf32>
      kred.yield %4 : vector<3xf32>
    }
    return
  }

// -----

// div of a vector by a broadcast scalar: KeOps divides the whole gradient
// by the square, (grad(x, s e) - grad(s, <e, x>)) / s^2; here s = |Y|^2 is
// constant in X: (s e) / s^2.
// CHECK-LABEL: func.func @div_by_scalar(
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[Y:.*]] = kred.var j 1 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 2 : vector<3xf32>
// CHECK: %[[S:.*]] = kred.sqnorm2 %[[Y]] : vector<3xf32>
// CHECK: %[[SE:.*]] = kred.mul %[[S]], %[[E]] : vector<1xf32>, vector<3xf32>
// CHECK: %[[S2:.*]] = kred.square %[[S]] : vector<1xf32>
// CHECK: %[[R:.*]] = kred.div %[[SE]], %[[S2]] : vector<3xf32>, vector<1xf32>
// CHECK: kred.yield %[[R]] : vector<3xf32>
func.func @div_by_scalar(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x3xf32> {kred.alias = "Y"}, %arg2: memref<?x3xf32> {kred.alias = "E"}, %arg3: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1, %arg2 : memref<?x3xf32>, memref<?x3xf32>, memref<?x3xf32>) outs(%arg3 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<3xf32>
      %2 = kred.var j 2 : vector<3xf32>
      %3 = kred.sqnorm2 %1 : vector<3xf32>
      %4 = kred.div %0, %3 : vector<3xf32>, vector<1xf32>
      %5 = kred.grad %4, %0, %2 : vector<3xf32>, vector<3xf32>, vector<3xf32>
      kred.yield %5 : vector<3xf32>
    }
    return
  }

// -----

// atan2: e y / (x^2 + y^2)
// CHECK-LABEL: func.func @atan2(
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[Y:.*]] = kred.var j 1 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 2 : vector<3xf32>
// CHECK: %[[V3:.*]] = kred.square %[[Y]] : vector<3xf32>
// CHECK: %[[V4:.*]] = kred.square %[[X]] : vector<3xf32>
// CHECK: %[[V5:.*]] = kred.add %[[V4]], %[[V3]] : vector<3xf32>, vector<3xf32>
// CHECK: %[[V6:.*]] = kred.div %[[Y]], %[[V5]] : vector<3xf32>, vector<3xf32>
// CHECK: %[[V7:.*]] = kred.mul %[[E]], %[[V6]] : vector<3xf32>, vector<3xf32>
// CHECK: kred.yield %[[V7]] : vector<3xf32>
func.func @atan2(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x3xf32> {kred.alias = "Y"}, %arg2: memref<?x3xf32> {kred.alias = "E"}, %arg3: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1, %arg2 : memref<?x3xf32>, memref<?x3xf32>, memref<?x3xf32>) outs(%arg3 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<3xf32>
      %2 = kred.var j 2 : vector<3xf32>
      %3 = kred.atan2 %0, %1 : vector<3xf32>, vector<3xf32>
      %4 = kred.grad %3, %0, %2 : vector<3xf32>, vector<3xf32>, vector<3xf32>
      kred.yield %4 : vector<3xf32>
    }
    return
  }

// -----

// powf, base: e b x^(b-1)
// CHECK-LABEL: func.func @powf_base(
// CHECK: %[[C0:.*]] = kred.constant dense<1.000000e+00> : vector<1xf32>
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[Y:.*]] = kred.var j 1 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 2 : vector<3xf32>
// CHECK: %[[V4:.*]] = kred.sub %[[Y]], %[[C0]] : vector<3xf32>, vector<1xf32>
// CHECK: %[[V5:.*]] = kred.powf %[[X]], %[[V4]] : vector<3xf32>, vector<3xf32>
// CHECK: %[[V6:.*]] = kred.mul %[[Y]], %[[V5]] : vector<3xf32>, vector<3xf32>
// CHECK: %[[V7:.*]] = kred.mul %[[E]], %[[V6]] : vector<3xf32>, vector<3xf32>
// CHECK: kred.yield %[[V7]] : vector<3xf32>
func.func @powf_base(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x3xf32> {kred.alias = "Y"}, %arg2: memref<?x3xf32> {kred.alias = "E"}, %arg3: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1, %arg2 : memref<?x3xf32>, memref<?x3xf32>, memref<?x3xf32>) outs(%arg3 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<3xf32>
      %2 = kred.var j 2 : vector<3xf32>
      %3 = kred.powf %0, %1 : vector<3xf32>, vector<3xf32>
      %4 = kred.grad %3, %0, %2 : vector<3xf32>, vector<3xf32>, vector<3xf32>
      kred.yield %4 : vector<3xf32>
    }
    return
  }

// -----

// powf, exponent: e x^b log x
// CHECK-LABEL: func.func @powf_exponent(
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[Y:.*]] = kred.var j 1 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 2 : vector<3xf32>
// CHECK: %[[V3:.*]] = kred.powf %[[Y]], %[[X]] : vector<3xf32>, vector<3xf32>
// CHECK: %[[V4:.*]] = kred.log %[[Y]] : vector<3xf32>
// CHECK: %[[V5:.*]] = kred.mul %[[V3]], %[[V4]] : vector<3xf32>, vector<3xf32>
// CHECK: %[[V6:.*]] = kred.mul %[[E]], %[[V5]] : vector<3xf32>, vector<3xf32>
// CHECK: kred.yield %[[V6]] : vector<3xf32>
func.func @powf_exponent(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x3xf32> {kred.alias = "Y"}, %arg2: memref<?x3xf32> {kred.alias = "E"}, %arg3: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1, %arg2 : memref<?x3xf32>, memref<?x3xf32>, memref<?x3xf32>) outs(%arg3 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<3xf32>
      %2 = kred.var j 2 : vector<3xf32>
      %3 = kred.powf %1, %0 : vector<3xf32>, vector<3xf32>
      %4 = kred.grad %3, %0, %2 : vector<3xf32>, vector<3xf32>, vector<3xf32>
      kred.yield %4 : vector<3xf32>
    }
    return
  }

// -----

// minus: -e
// CHECK-LABEL: func.func @minus(
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 1 : vector<3xf32>
// CHECK: %[[V2:.*]] = kred.minus %[[E]] : vector<3xf32>
// CHECK: kred.yield %[[V2]] : vector<3xf32>
func.func @minus(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x3xf32> {kred.alias = "E"}, %arg2: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1 : memref<?x3xf32>, memref<?x3xf32>) outs(%arg2 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<3xf32>
      %2 = kred.minus %0 : vector<3xf32>
      %3 = kred.grad %2, %0, %1 : vector<3xf32>, vector<3xf32>, vector<3xf32>
      kred.yield %3 : vector<3xf32>
    }
    return
  }

// -----

// inv: -e / x^2
// CHECK-LABEL: func.func @inv(
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 1 : vector<3xf32>
// CHECK: %[[V2:.*]] = kred.inv %[[X]] : vector<3xf32>
// CHECK: %[[V3:.*]] = kred.square %[[V2]] : vector<3xf32>
// CHECK: %[[V4:.*]] = kred.mul %[[E]], %[[V3]] : vector<3xf32>, vector<3xf32>
// CHECK: %[[V5:.*]] = kred.minus %[[V4]] : vector<3xf32>
// CHECK: kred.yield %[[V5]] : vector<3xf32>
func.func @inv(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x3xf32> {kred.alias = "E"}, %arg2: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1 : memref<?x3xf32>, memref<?x3xf32>) outs(%arg2 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<3xf32>
      %2 = kred.inv %0 : vector<3xf32>
      %3 = kred.grad %2, %0, %1 : vector<3xf32>, vector<3xf32>, vector<3xf32>
      kred.yield %3 : vector<3xf32>
    }
    return
  }

// -----

// square: 2 e x
// CHECK-LABEL: func.func @square(
// CHECK: %[[C0:.*]] = kred.constant dense<2.000000e+00> : vector<1xf32>
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 1 : vector<3xf32>
// CHECK: %[[V3:.*]] = kred.mul %[[X]], %[[C0]] : vector<3xf32>, vector<1xf32>
// CHECK: %[[V4:.*]] = kred.mul %[[E]], %[[V3]] : vector<3xf32>, vector<3xf32>
// CHECK: kred.yield %[[V4]] : vector<3xf32>
func.func @square(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x3xf32> {kred.alias = "E"}, %arg2: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1 : memref<?x3xf32>, memref<?x3xf32>) outs(%arg2 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<3xf32>
      %2 = kred.square %0 : vector<3xf32>
      %3 = kred.grad %2, %0, %1 : vector<3xf32>, vector<3xf32>, vector<3xf32>
      kred.yield %3 : vector<3xf32>
    }
    return
  }

// -----

// sqrt: e rsqrt(x) / 2 (0 at x = 0, as KeOps)
// CHECK-LABEL: func.func @sqrt(
// CHECK: %[[C0:.*]] = kred.constant dense<5.000000e-01> : vector<1xf32>
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 1 : vector<3xf32>
// CHECK: %[[V3:.*]] = kred.rsqrt %[[X]] : vector<3xf32>
// CHECK: %[[V4:.*]] = kred.mul %[[V3]], %[[C0]] : vector<3xf32>, vector<1xf32>
// CHECK: %[[V5:.*]] = kred.mul %[[E]], %[[V4]] : vector<3xf32>, vector<3xf32>
// CHECK: kred.yield %[[V5]] : vector<3xf32>
func.func @sqrt(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x3xf32> {kred.alias = "E"}, %arg2: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1 : memref<?x3xf32>, memref<?x3xf32>) outs(%arg2 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<3xf32>
      %2 = kred.sqrt %0 : vector<3xf32>
      %3 = kred.grad %2, %0, %1 : vector<3xf32>, vector<3xf32>, vector<3xf32>
      kred.yield %3 : vector<3xf32>
    }
    return
  }

// -----

// rsqrt: -e rsqrt(x) / (2 x)
// CHECK-LABEL: func.func @rsqrt(
// CHECK: %[[C0:.*]] = kred.constant dense<-5.000000e-01> : vector<1xf32>
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 1 : vector<3xf32>
// CHECK: %[[V3:.*]] = kred.rsqrt %[[X]] : vector<3xf32>
// CHECK: %[[V4:.*]] = kred.square %[[V3]] : vector<3xf32>
// CHECK: %[[V5:.*]] = kred.mul %[[V3]], %[[V4]] : vector<3xf32>, vector<3xf32>
// CHECK: %[[V6:.*]] = kred.mul %[[V5]], %[[C0]] : vector<3xf32>, vector<1xf32>
// CHECK: %[[V7:.*]] = kred.mul %[[E]], %[[V6]] : vector<3xf32>, vector<3xf32>
// CHECK: kred.yield %[[V7]] : vector<3xf32>
func.func @rsqrt(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x3xf32> {kred.alias = "E"}, %arg2: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1 : memref<?x3xf32>, memref<?x3xf32>) outs(%arg2 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<3xf32>
      %2 = kred.rsqrt %0 : vector<3xf32>
      %3 = kred.grad %2, %0, %1 : vector<3xf32>, vector<3xf32>, vector<3xf32>
      kred.yield %3 : vector<3xf32>
    }
    return
  }

// -----

// abs: e sign(x) (0 at 0, as torch)
// CHECK-LABEL: func.func @abs(
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 1 : vector<3xf32>
// CHECK: %[[V2:.*]] = kred.sign %[[X]] : vector<3xf32>
// CHECK: %[[V3:.*]] = kred.mul %[[E]], %[[V2]] : vector<3xf32>, vector<3xf32>
// CHECK: kred.yield %[[V3]] : vector<3xf32>
func.func @abs(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x3xf32> {kred.alias = "E"}, %arg2: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1 : memref<?x3xf32>, memref<?x3xf32>) outs(%arg2 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<3xf32>
      %2 = kred.abs %0 : vector<3xf32>
      %3 = kred.grad %2, %0, %1 : vector<3xf32>, vector<3xf32>, vector<3xf32>
      kred.yield %3 : vector<3xf32>
    }
    return
  }

// -----

// sign, step, floor, round: zero
// CHECK-LABEL: func.func @sign_step_floor_round(
// CHECK: %[[C0:.*]] = kred.constant dense<0.000000e+00> : vector<3xf32>
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 1 : vector<3xf32>
// CHECK: kred.yield %[[C0]] : vector<3xf32>
func.func @sign_step_floor_round(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x3xf32> {kred.alias = "E"}, %arg2: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1 : memref<?x3xf32>, memref<?x3xf32>) outs(%arg2 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<3xf32>
      %2 = kred.sign %0 : vector<3xf32>
      %3 = kred.step %0 : vector<3xf32>
      %4 = kred.add %2, %3 : vector<3xf32>, vector<3xf32>
      %5 = kred.floor %0 : vector<3xf32>
      %6 = kred.add %4, %5 : vector<3xf32>, vector<3xf32>
      %7 = kred.round %0, 2 : vector<3xf32>
      %8 = kred.add %6, %7 : vector<3xf32>, vector<3xf32>
      %9 = kred.grad %8, %0, %1 : vector<3xf32>, vector<3xf32>, vector<3xf32>
      kred.yield %9 : vector<3xf32>
    }
    return
  }

// -----

// relu: e step(x) (1 at x = 0, as KeOps)
// CHECK-LABEL: func.func @relu(
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 1 : vector<3xf32>
// CHECK: %[[V3:.*]] = kred.step %[[X]] : vector<3xf32>
// CHECK: %[[V4:.*]] = kred.mul %[[E]], %[[V3]] : vector<3xf32>, vector<3xf32>
// CHECK: kred.yield %[[V4]] : vector<3xf32>
func.func @relu(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x3xf32> {kred.alias = "E"}, %arg2: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1 : memref<?x3xf32>, memref<?x3xf32>) outs(%arg2 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<3xf32>
      %2 = kred.relu %0 : vector<3xf32>
      %3 = kred.grad %2, %0, %1 : vector<3xf32>, vector<3xf32>, vector<3xf32>
      kred.yield %3 : vector<3xf32>
    }
    return
  }

// -----

// pow: n e x^(n-1)
// CHECK-LABEL: func.func @pow(
// CHECK: %[[C0:.*]] = kred.constant dense<3.000000e+00> : vector<1xf32>
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 1 : vector<3xf32>
// CHECK: %[[V3:.*]] = kred.square %[[X]] : vector<3xf32>
// CHECK: %[[V4:.*]] = kred.mul %[[V3]], %[[C0]] : vector<3xf32>, vector<1xf32>
// CHECK: %[[V5:.*]] = kred.mul %[[E]], %[[V4]] : vector<3xf32>, vector<3xf32>
// CHECK: kred.yield %[[V5]] : vector<3xf32>
func.func @pow(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x3xf32> {kred.alias = "E"}, %arg2: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1 : memref<?x3xf32>, memref<?x3xf32>) outs(%arg2 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<3xf32>
      %2 = kred.pow %0, 3 : vector<3xf32>
      %3 = kred.grad %2, %0, %1 : vector<3xf32>, vector<3xf32>, vector<3xf32>
      kred.yield %3 : vector<3xf32>
    }
    return
  }

// -----

// clamp: through KeOps' rescaled form clamp_int((x - a) / (b - a), 0, 1) *
// (b - a) + a: e at both kinks and for NaN, NaN where b - a is 0 or inf
// CHECK-LABEL: func.func @clamp(
// CHECK: %[[C0:.*]] = kred.constant dense<0.000000e+00> : vector<1xf32>
// CHECK: %[[C1:.*]] = kred.constant dense<1.000000e+00> : vector<1xf32>
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[Y:.*]] = kred.var j 1 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 2 : vector<3xf32>
// CHECK: %[[HI:.*]] = kred.add %[[Y]], %[[C1]] : vector<3xf32>, vector<1xf32>
// CHECK: %[[W:.*]] = kred.sub %[[HI]], %[[Y]] : vector<3xf32>, vector<3xf32>
// CHECK: %[[XY:.*]] = kred.sub %[[X]], %[[Y]] : vector<3xf32>, vector<3xf32>
// CHECK: %[[U:.*]] = kred.div %[[XY]], %[[W]] : vector<3xf32>, vector<3xf32>
// CHECK: %[[EW:.*]] = kred.mul %[[E]], %[[W]] : vector<3xf32>, vector<3xf32>
// CHECK: %[[ABOVE:.*]] = kred.cmp gt, %[[U]], %[[C1]]
// CHECK: %[[NOTABOVE:.*]] = kred.sub %[[C1]], %[[ABOVE]]
// CHECK: %[[BELOW:.*]] = kred.cmp lt, %[[U]], %[[C0]]
// CHECK: %[[NOTBELOW:.*]] = kred.sub %[[C1]], %[[BELOW]]
// CHECK: %[[INSIDE:.*]] = kred.mul %[[NOTBELOW]], %[[NOTABOVE]]
// CHECK: %[[G:.*]] = kred.mul %[[EW]], %[[INSIDE]]
// CHECK: %[[R:.*]] = kred.div %[[G]], %[[W]] : vector<3xf32>, vector<3xf32>
// CHECK: kred.yield %[[R]] : vector<3xf32>
func.func @clamp(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x3xf32> {kred.alias = "Y"}, %arg2: memref<?x3xf32> {kred.alias = "E"}, %arg3: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1, %arg2 : memref<?x3xf32>, memref<?x3xf32>, memref<?x3xf32>) outs(%arg3 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<3xf32>
      %2 = kred.var j 2 : vector<3xf32>
      %3 = kred.constant dense<1.000000e+00> : vector<1xf32>
      %4 = kred.add %1, %3 : vector<3xf32>, vector<1xf32>
      %5 = kred.clamp %0, %1, %4 : vector<3xf32>, vector<3xf32>, vector<3xf32>
      %6 = kred.grad %5, %0, %2 : vector<3xf32>, vector<3xf32>, vector<3xf32>
      kred.yield %6 : vector<3xf32>
    }
    return
  }

// -----

// clampint: KeOps' DiffClampInt, e (1 - [x < lo]) (1 - [x > hi])
// CHECK-LABEL: func.func @clampint(
// CHECK: %[[C0:.*]] = kred.constant dense<0.000000e+00> : vector<1xf32>
// CHECK: %[[C1:.*]] = kred.constant dense<1.000000e+00> : vector<1xf32>
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 1 : vector<3xf32>
// CHECK: %[[V4:.*]] = kred.cmp gt, %[[X]], %[[C1]] : vector<3xf32>, vector<1xf32>
// CHECK: %[[V5:.*]] = kred.sub %[[C1]], %[[V4]] : vector<1xf32>, vector<3xf32>
// CHECK: %[[V6:.*]] = kred.cmp lt, %[[X]], %[[C0]] : vector<3xf32>, vector<1xf32>
// CHECK: %[[V7:.*]] = kred.sub %[[C1]], %[[V6]] : vector<1xf32>, vector<3xf32>
// CHECK: %[[V8:.*]] = kred.mul %[[V7]], %[[V5]] : vector<3xf32>, vector<3xf32>
// CHECK: %[[V9:.*]] = kred.mul %[[E]], %[[V8]] : vector<3xf32>, vector<3xf32>
// CHECK: kred.yield %[[V9]] : vector<3xf32>
func.func @clampint(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x3xf32> {kred.alias = "E"}, %arg2: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1 : memref<?x3xf32>, memref<?x3xf32>) outs(%arg2 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<3xf32>
      %2 = kred.clamp_int %0, 0, 1 : vector<3xf32>
      %3 = kred.grad %2, %0, %1 : vector<3xf32>, vector<3xf32>, vector<3xf32>
      kred.yield %3 : vector<3xf32>
    }
    return
  }

// -----

// ifelse: the taken branch's whole gradient, as KeOps (IfElse(c, a', b'):
// an untaken branch with an infinite derivative adds nothing)
// CHECK-LABEL: func.func @ifelse(
// CHECK: %[[C0:.*]] = kred.constant dense<2.000000e+00> : vector<1xf32>
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[Y:.*]] = kred.var j 1 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 2 : vector<3xf32>
// CHECK: %[[V4:.*]] = kred.mul %[[X]], %[[C0]] : vector<3xf32>, vector<1xf32>
// CHECK: %[[V5:.*]] = kred.mul %[[E]], %[[V4]] : vector<3xf32>, vector<3xf32>
// CHECK: %[[V6:.*]] = kred.if_else %[[Y]], %[[E]], %[[V5]] : vector<3xf32>, vector<3xf32>, vector<3xf32>
// CHECK: kred.yield %[[V6]] : vector<3xf32>
func.func @ifelse(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x3xf32> {kred.alias = "Y"}, %arg2: memref<?x3xf32> {kred.alias = "E"}, %arg3: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1, %arg2 : memref<?x3xf32>, memref<?x3xf32>, memref<?x3xf32>) outs(%arg3 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<3xf32>
      %2 = kred.var j 2 : vector<3xf32>
      %3 = kred.square %0 : vector<3xf32>
      %4 = kred.if_else %1, %0, %3 : vector<3xf32>, vector<3xf32>, vector<3xf32>
      %5 = kred.grad %4, %0, %2 : vector<3xf32>, vector<3xf32>, vector<3xf32>
      kred.yield %5 : vector<3xf32>
    }
    return
  }

// -----

// mod: e (the floor part has no derivative)
// CHECK-LABEL: func.func @mod(
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 1 : vector<3xf32>
// CHECK: kred.yield %[[E]] : vector<3xf32>
func.func @mod(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x3xf32> {kred.alias = "E"}, %arg2: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1 : memref<?x3xf32>, memref<?x3xf32>) outs(%arg2 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<3xf32>
      %2 = kred.constant dense<2.000000e+00> : vector<1xf32>
      %3 = kred.constant dense<5.000000e-01> : vector<1xf32>
      %4 = kred.mod %0, %2, %3 : vector<3xf32>, vector<1xf32>, vector<1xf32>
      %5 = kred.grad %4, %0, %1 : vector<3xf32>, vector<3xf32>, vector<3xf32>
      kred.yield %5 : vector<3xf32>
    }
    return
  }

// -----

// exp: e exp(x)
// CHECK-LABEL: func.func @exp(
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 1 : vector<3xf32>
// CHECK: %[[V2:.*]] = kred.exp %[[X]] : vector<3xf32>
// CHECK: %[[V3:.*]] = kred.mul %[[E]], %[[V2]] : vector<3xf32>, vector<3xf32>
// CHECK: kred.yield %[[V3]] : vector<3xf32>
func.func @exp(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x3xf32> {kred.alias = "E"}, %arg2: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1 : memref<?x3xf32>, memref<?x3xf32>) outs(%arg2 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<3xf32>
      %2 = kred.exp %0 : vector<3xf32>
      %3 = kred.grad %2, %0, %1 : vector<3xf32>, vector<3xf32>, vector<3xf32>
      kred.yield %3 : vector<3xf32>
    }
    return
  }

// -----

// log: e / x
// CHECK-LABEL: func.func @log(
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 1 : vector<3xf32>
// CHECK: %[[V2:.*]] = kred.div %[[E]], %[[X]] : vector<3xf32>, vector<3xf32>
// CHECK: kred.yield %[[V2]] : vector<3xf32>
func.func @log(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x3xf32> {kred.alias = "E"}, %arg2: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1 : memref<?x3xf32>, memref<?x3xf32>) outs(%arg2 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<3xf32>
      %2 = kred.log %0 : vector<3xf32>
      %3 = kred.grad %2, %0, %1 : vector<3xf32>, vector<3xf32>, vector<3xf32>
      kred.yield %3 : vector<3xf32>
    }
    return
  }

// -----

// xlogx: e (log x + 1)
// CHECK-LABEL: func.func @xlogx(
// CHECK: %[[C0:.*]] = kred.constant dense<1.000000e+00> : vector<1xf32>
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 1 : vector<3xf32>
// CHECK: %[[V3:.*]] = kred.log %[[X]] : vector<3xf32>
// CHECK: %[[V4:.*]] = kred.add %[[V3]], %[[C0]] : vector<3xf32>, vector<1xf32>
// CHECK: %[[V5:.*]] = kred.mul %[[E]], %[[V4]] : vector<3xf32>, vector<3xf32>
// CHECK: kred.yield %[[V5]] : vector<3xf32>
func.func @xlogx(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x3xf32> {kred.alias = "E"}, %arg2: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1 : memref<?x3xf32>, memref<?x3xf32>) outs(%arg2 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<3xf32>
      %2 = kred.xlogx %0 : vector<3xf32>
      %3 = kred.grad %2, %0, %1 : vector<3xf32>, vector<3xf32>, vector<3xf32>
      kred.yield %3 : vector<3xf32>
    }
    return
  }

// -----

// sin: e cos x
// CHECK-LABEL: func.func @sin(
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 1 : vector<3xf32>
// CHECK: %[[V2:.*]] = kred.cos %[[X]] : vector<3xf32>
// CHECK: %[[V3:.*]] = kred.mul %[[E]], %[[V2]] : vector<3xf32>, vector<3xf32>
// CHECK: kred.yield %[[V3]] : vector<3xf32>
func.func @sin(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x3xf32> {kred.alias = "E"}, %arg2: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1 : memref<?x3xf32>, memref<?x3xf32>) outs(%arg2 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<3xf32>
      %2 = kred.sin %0 : vector<3xf32>
      %3 = kred.grad %2, %0, %1 : vector<3xf32>, vector<3xf32>, vector<3xf32>
      kred.yield %3 : vector<3xf32>
    }
    return
  }

// -----

// cos: -e sin x
// CHECK-LABEL: func.func @cos(
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 1 : vector<3xf32>
// CHECK: %[[V2:.*]] = kred.sin %[[X]] : vector<3xf32>
// CHECK: %[[V3:.*]] = kred.mul %[[E]], %[[V2]] : vector<3xf32>, vector<3xf32>
// CHECK: %[[V4:.*]] = kred.minus %[[V3]] : vector<3xf32>
// CHECK: kred.yield %[[V4]] : vector<3xf32>
func.func @cos(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x3xf32> {kred.alias = "E"}, %arg2: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1 : memref<?x3xf32>, memref<?x3xf32>) outs(%arg2 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<3xf32>
      %2 = kred.cos %0 : vector<3xf32>
      %3 = kred.grad %2, %0, %1 : vector<3xf32>, vector<3xf32>, vector<3xf32>
      kred.yield %3 : vector<3xf32>
    }
    return
  }

// -----

// asin: e / sqrt(1 - x^2)
// CHECK-LABEL: func.func @asin(
// CHECK: %[[C0:.*]] = kred.constant dense<1.000000e+00> : vector<1xf32>
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 1 : vector<3xf32>
// CHECK: %[[V3:.*]] = kred.square %[[X]] : vector<3xf32>
// CHECK: %[[V4:.*]] = kred.sub %[[C0]], %[[V3]] : vector<1xf32>, vector<3xf32>
// CHECK: %[[V5:.*]] = kred.rsqrt %[[V4]] : vector<3xf32>
// CHECK: %[[V6:.*]] = kred.mul %[[E]], %[[V5]] : vector<3xf32>, vector<3xf32>
// CHECK: kred.yield %[[V6]] : vector<3xf32>
func.func @asin(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x3xf32> {kred.alias = "E"}, %arg2: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1 : memref<?x3xf32>, memref<?x3xf32>) outs(%arg2 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<3xf32>
      %2 = kred.asin %0 : vector<3xf32>
      %3 = kred.grad %2, %0, %1 : vector<3xf32>, vector<3xf32>, vector<3xf32>
      kred.yield %3 : vector<3xf32>
    }
    return
  }

// -----

// acos: -e / sqrt(1 - x^2)
// CHECK-LABEL: func.func @acos(
// CHECK: %[[C0:.*]] = kred.constant dense<1.000000e+00> : vector<1xf32>
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 1 : vector<3xf32>
// CHECK: %[[V3:.*]] = kred.square %[[X]] : vector<3xf32>
// CHECK: %[[V4:.*]] = kred.sub %[[C0]], %[[V3]] : vector<1xf32>, vector<3xf32>
// CHECK: %[[V5:.*]] = kred.rsqrt %[[V4]] : vector<3xf32>
// CHECK: %[[V6:.*]] = kred.mul %[[E]], %[[V5]] : vector<3xf32>, vector<3xf32>
// CHECK: %[[V7:.*]] = kred.minus %[[V6]] : vector<3xf32>
// CHECK: kred.yield %[[V7]] : vector<3xf32>
func.func @acos(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x3xf32> {kred.alias = "E"}, %arg2: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1 : memref<?x3xf32>, memref<?x3xf32>) outs(%arg2 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<3xf32>
      %2 = kred.acos %0 : vector<3xf32>
      %3 = kred.grad %2, %0, %1 : vector<3xf32>, vector<3xf32>, vector<3xf32>
      kred.yield %3 : vector<3xf32>
    }
    return
  }

// -----

// atan: e / (1 + x^2)
// CHECK-LABEL: func.func @atan(
// CHECK: %[[C0:.*]] = kred.constant dense<1.000000e+00> : vector<1xf32>
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 1 : vector<3xf32>
// CHECK: %[[V3:.*]] = kred.square %[[X]] : vector<3xf32>
// CHECK: %[[V4:.*]] = kred.add %[[V3]], %[[C0]] : vector<3xf32>, vector<1xf32>
// CHECK: %[[V5:.*]] = kred.div %[[E]], %[[V4]] : vector<3xf32>, vector<3xf32>
// CHECK: kred.yield %[[V5]] : vector<3xf32>
func.func @atan(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x3xf32> {kred.alias = "E"}, %arg2: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1 : memref<?x3xf32>, memref<?x3xf32>) outs(%arg2 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<3xf32>
      %2 = kred.atan %0 : vector<3xf32>
      %3 = kred.grad %2, %0, %1 : vector<3xf32>, vector<3xf32>, vector<3xf32>
      kred.yield %3 : vector<3xf32>
    }
    return
  }

// -----

// sinxdivx: e (cos x - sin x / x) / x
// CHECK-LABEL: func.func @sinxdivx(
// CHECK: %[[C0:.*]] = kred.constant dense<0.000000e+00> : vector<3xf32>
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 1 : vector<3xf32>
// CHECK: %[[V3:.*]] = kred.sinxdivx %[[X]] : vector<3xf32>
// CHECK: %[[V4:.*]] = kred.cos %[[X]] : vector<3xf32>
// CHECK: %[[V5:.*]] = kred.sub %[[V4]], %[[V3]] : vector<3xf32>, vector<3xf32>
// CHECK: %[[V6:.*]] = kred.div %[[V5]], %[[X]] : vector<3xf32>, vector<3xf32>
// CHECK: %[[V7:.*]] = kred.abs %[[X]] : vector<3xf32>
// CHECK: %[[V8:.*]] = kred.minus %[[V7]] : vector<3xf32>
// CHECK: %[[V9:.*]] = kred.if_else %[[V8]], %[[C0]], %[[V6]] : vector<3xf32>, vector<3xf32>, vector<3xf32>
// CHECK: %[[V10:.*]] = kred.mul %[[E]], %[[V9]] : vector<3xf32>, vector<3xf32>
// CHECK: kred.yield %[[V10]] : vector<3xf32>
func.func @sinxdivx(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x3xf32> {kred.alias = "E"}, %arg2: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1 : memref<?x3xf32>, memref<?x3xf32>) outs(%arg2 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<3xf32>
      %2 = kred.sinxdivx %0 : vector<3xf32>
      %3 = kred.grad %2, %0, %1 : vector<3xf32>, vector<3xf32>, vector<3xf32>
      kred.yield %3 : vector<3xf32>
    }
    return
  }

// -----

// sqnorm2: 2 e x
// CHECK-LABEL: func.func @sqnorm2(
// CHECK: %[[C0:.*]] = kred.constant dense<2.000000e+00> : vector<1xf32>
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 1 : vector<1xf32>
// CHECK: %[[V3:.*]] = kred.mul %[[X]], %[[C0]] : vector<3xf32>, vector<1xf32>
// CHECK: %[[V4:.*]] = kred.mul %[[E]], %[[V3]] : vector<1xf32>, vector<3xf32>
// CHECK: kred.yield %[[V4]] : vector<3xf32>
func.func @sqnorm2(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x1xf32> {kred.alias = "E"}, %arg2: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1 : memref<?x3xf32>, memref<?x1xf32>) outs(%arg2 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<1xf32>
      %2 = kred.sqnorm2 %0 : vector<3xf32>
      %3 = kred.grad %2, %0, %1 : vector<1xf32>, vector<3xf32>, vector<1xf32>
      kred.yield %3 : vector<3xf32>
    }
    return
  }

// -----

// norm2: e x / |x|
// CHECK-LABEL: func.func @norm2(
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 1 : vector<1xf32>
// CHECK: %[[V2:.*]] = kred.sqnorm2 %[[X]] : vector<3xf32>
// CHECK: %[[V3:.*]] = kred.rsqrt %[[V2]] : vector<1xf32>
// CHECK: %[[V4:.*]] = kred.mul %[[X]], %[[V3]] : vector<3xf32>, vector<1xf32>
// CHECK: %[[V5:.*]] = kred.mul %[[E]], %[[V4]] : vector<1xf32>, vector<3xf32>
// CHECK: kred.yield %[[V5]] : vector<3xf32>
func.func @norm2(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x1xf32> {kred.alias = "E"}, %arg2: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1 : memref<?x3xf32>, memref<?x1xf32>) outs(%arg2 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<1xf32>
      %2 = kred.norm2 %0 : vector<3xf32>
      %3 = kred.grad %2, %0, %1 : vector<1xf32>, vector<3xf32>, vector<1xf32>
      kred.yield %3 : vector<3xf32>
    }
    return
  }

// -----

// sum: e broadcast
// CHECK-LABEL: func.func @sum(
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 1 : vector<1xf32>
// CHECK: %[[V2:.*]] = kred.sum_t %[[E]], 3 : vector<1xf32>
// CHECK: kred.yield %[[V2]] : vector<3xf32>
func.func @sum(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x1xf32> {kred.alias = "E"}, %arg2: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1 : memref<?x3xf32>, memref<?x1xf32>) outs(%arg2 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<1xf32>
      %2 = kred.sum %0 : vector<3xf32>
      %3 = kred.grad %2, %0, %1 : vector<1xf32>, vector<3xf32>, vector<1xf32>
      kred.yield %3 : vector<3xf32>
    }
    return
  }

// -----

// max: e on the selected component (one-hot of argmax)
// CHECK-LABEL: func.func @max(
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 1 : vector<1xf32>
// CHECK: %[[V2:.*]] = kred.argmax %[[X]] : vector<3xf32>
// CHECK: %[[V3:.*]] = kred.one_hot %[[V2]], 3 : vector<1xf32>
// CHECK: %[[V4:.*]] = kred.mul %[[E]], %[[V3]] : vector<1xf32>, vector<3xf32>
// CHECK: kred.yield %[[V4]] : vector<3xf32>
func.func @max(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x1xf32> {kred.alias = "E"}, %arg2: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1 : memref<?x3xf32>, memref<?x1xf32>) outs(%arg2 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<1xf32>
      %2 = kred.max %0 : vector<3xf32>
      %3 = kred.grad %2, %0, %1 : vector<1xf32>, vector<3xf32>, vector<1xf32>
      kred.yield %3 : vector<3xf32>
    }
    return
  }

// -----

// min: e on the selected component
// CHECK-LABEL: func.func @min(
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 1 : vector<1xf32>
// CHECK: %[[V2:.*]] = kred.argmin %[[X]] : vector<3xf32>
// CHECK: %[[V3:.*]] = kred.one_hot %[[V2]], 3 : vector<1xf32>
// CHECK: %[[V4:.*]] = kred.mul %[[E]], %[[V3]] : vector<1xf32>, vector<3xf32>
// CHECK: kred.yield %[[V4]] : vector<3xf32>
func.func @min(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x1xf32> {kred.alias = "E"}, %arg2: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1 : memref<?x3xf32>, memref<?x1xf32>) outs(%arg2 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<1xf32>
      %2 = kred.min %0 : vector<3xf32>
      %3 = kred.grad %2, %0, %1 : vector<1xf32>, vector<3xf32>, vector<1xf32>
      kred.yield %3 : vector<3xf32>
    }
    return
  }

// -----

// argmax, argmin: zero
// CHECK-LABEL: func.func @argmax_argmin(
// CHECK: %[[C0:.*]] = kred.constant dense<0.000000e+00> : vector<3xf32>
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 1 : vector<1xf32>
// CHECK: kred.yield %[[C0]] : vector<3xf32>
func.func @argmax_argmin(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x1xf32> {kred.alias = "E"}, %arg2: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1 : memref<?x3xf32>, memref<?x1xf32>) outs(%arg2 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<1xf32>
      %2 = kred.argmax %0 : vector<3xf32>
      %3 = kred.argmin %0 : vector<3xf32>
      %4 = kred.add %2, %3 : vector<1xf32>, vector<1xf32>
      %5 = kred.grad %4, %0, %1 : vector<1xf32>, vector<3xf32>, vector<1xf32>
      kred.yield %5 : vector<3xf32>
    }
    return
  }

// -----

// normalize: (e - <e, u> u) / |x|
// CHECK-LABEL: func.func @normalize(
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 1 : vector<3xf32>
// CHECK: %[[V2:.*]] = kred.normalize %[[X]] : vector<3xf32>
// CHECK: %[[V3:.*]] = kred.sqnorm2 %[[X]] : vector<3xf32>
// CHECK: %[[V4:.*]] = kred.rsqrt %[[V3]] : vector<1xf32>
// CHECK: %[[V5:.*]] = kred.scalprod %[[V2]], %[[E]] : vector<3xf32>, vector<3xf32>
// CHECK: %[[V6:.*]] = kred.mul %[[V2]], %[[V5]] : vector<3xf32>, vector<1xf32>
// CHECK: %[[V7:.*]] = kred.sub %[[E]], %[[V6]] : vector<3xf32>, vector<3xf32>
// CHECK: %[[V8:.*]] = kred.mul %[[V7]], %[[V4]] : vector<3xf32>, vector<1xf32>
// CHECK: kred.yield %[[V8]] : vector<3xf32>
func.func @normalize(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x3xf32> {kred.alias = "E"}, %arg2: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1 : memref<?x3xf32>, memref<?x3xf32>) outs(%arg2 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<3xf32>
      %2 = kred.normalize %0 : vector<3xf32>
      %3 = kred.grad %2, %0, %1 : vector<3xf32>, vector<3xf32>, vector<3xf32>
      kred.yield %3 : vector<3xf32>
    }
    return
  }

// -----

// sumt: the components of e summed
// CHECK-LABEL: func.func @sumt(
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 1 : vector<4xf32>
// CHECK: %[[V2:.*]] = kred.sum %[[E]] : vector<4xf32>
// CHECK: %[[V3:.*]] = kred.sum_t %[[V2]], 3 : vector<1xf32>
// CHECK: kred.yield %[[V3]] : vector<3xf32>
func.func @sumt(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x4xf32> {kred.alias = "E"}, %arg2: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1 : memref<?x3xf32>, memref<?x4xf32>) outs(%arg2 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<4xf32>
      %2 = kred.sum %0 : vector<3xf32>
      %3 = kred.sum_t %2, 4 : vector<1xf32>
      %4 = kred.grad %3, %0, %1 : vector<4xf32>, vector<3xf32>, vector<4xf32>
      kred.yield %4 : vector<3xf32>
    }
    return
  }

// -----

// sqdist: 2 e (x - y)
// CHECK-LABEL: func.func @sqdist(
// CHECK: %[[C0:.*]] = kred.constant dense<2.000000e+00> : vector<1xf32>
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[Y:.*]] = kred.var j 1 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 2 : vector<1xf32>
// CHECK: %[[V4:.*]] = kred.sub %[[X]], %[[Y]] : vector<3xf32>, vector<3xf32>
// CHECK: %[[V5:.*]] = kred.mul %[[V4]], %[[C0]] : vector<3xf32>, vector<1xf32>
// CHECK: %[[V6:.*]] = kred.mul %[[E]], %[[V5]] : vector<1xf32>, vector<3xf32>
// CHECK: kred.yield %[[V6]] : vector<3xf32>
func.func @sqdist(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x3xf32> {kred.alias = "Y"}, %arg2: memref<?x1xf32> {kred.alias = "E"}, %arg3: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1, %arg2 : memref<?x3xf32>, memref<?x3xf32>, memref<?x1xf32>) outs(%arg3 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<3xf32>
      %2 = kred.var j 2 : vector<1xf32>
      %3 = kred.sqdist %0, %1 : vector<3xf32>, vector<3xf32>
      %4 = kred.grad %3, %0, %2 : vector<1xf32>, vector<3xf32>, vector<1xf32>
      kred.yield %4 : vector<3xf32>
    }
    return
  }

// -----

// scalprod: e y
// CHECK-LABEL: func.func @scalprod(
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[Y:.*]] = kred.var j 1 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 2 : vector<1xf32>
// CHECK: %[[V3:.*]] = kred.mul %[[E]], %[[Y]] : vector<1xf32>, vector<3xf32>
// CHECK: kred.yield %[[V3]] : vector<3xf32>
func.func @scalprod(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x3xf32> {kred.alias = "Y"}, %arg2: memref<?x1xf32> {kred.alias = "E"}, %arg3: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1, %arg2 : memref<?x3xf32>, memref<?x3xf32>, memref<?x1xf32>) outs(%arg3 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<3xf32>
      %2 = kred.var j 2 : vector<1xf32>
      %3 = kred.scalprod %0, %1 : vector<3xf32>, vector<3xf32>
      %4 = kred.grad %3, %0, %2 : vector<1xf32>, vector<3xf32>, vector<1xf32>
      kred.yield %4 : vector<3xf32>
    }
    return
  }

// -----

// weighted sqnorm, vector: e (a + a^T) x
// CHECK-LABEL: func.func @weighted_sqnorm_vector(
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[A:.*]] = kred.var j 1 : vector<9xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 2 : vector<1xf32>
// CHECK: %[[V3:.*]] = kred.vecmatmult %[[X]], %[[A]] : vector<3xf32>, vector<9xf32>
// CHECK: %[[V4:.*]] = kred.matvecmult %[[A]], %[[X]] : vector<9xf32>, vector<3xf32>
// CHECK: %[[V5:.*]] = kred.add %[[V4]], %[[V3]] : vector<3xf32>, vector<3xf32>
// CHECK: %[[V6:.*]] = kred.mul %[[E]], %[[V5]] : vector<1xf32>, vector<3xf32>
// CHECK: kred.yield %[[V6]] : vector<3xf32>
func.func @weighted_sqnorm_vector(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x9xf32> {kred.alias = "A"}, %arg2: memref<?x1xf32> {kred.alias = "E"}, %arg3: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1, %arg2 : memref<?x3xf32>, memref<?x9xf32>, memref<?x1xf32>) outs(%arg3 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<9xf32>
      %2 = kred.var j 2 : vector<1xf32>
      %3 = kred.weighted_sqnorm %1, %0 : vector<9xf32>, vector<3xf32>
      %4 = kred.grad %3, %0, %2 : vector<1xf32>, vector<3xf32>, vector<1xf32>
      kred.yield %4 : vector<3xf32>
    }
    return
  }

// -----

// weighted sqdist, diagonal: 2 e a (x - y)
// CHECK-LABEL: func.func @weighted_sqdist_diagonal(
// CHECK: %[[C0:.*]] = kred.constant dense<2.000000e+00> : vector<1xf32>
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[Y:.*]] = kred.var j 1 : vector<3xf32>
// CHECK-DAG: %[[A:.*]] = kred.var j 2 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 3 : vector<1xf32>
// CHECK: %[[V5:.*]] = kred.sub %[[X]], %[[Y]] : vector<3xf32>, vector<3xf32>
// CHECK: %[[V6:.*]] = kred.mul %[[E]], %[[C0]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V7:.*]] = kred.mul %[[A]], %[[V5]] : vector<3xf32>, vector<3xf32>
// CHECK: %[[V8:.*]] = kred.mul %[[V6]], %[[V7]] : vector<1xf32>, vector<3xf32>
// CHECK: kred.yield %[[V8]] : vector<3xf32>
func.func @weighted_sqdist_diagonal(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x3xf32> {kred.alias = "Y"}, %arg2: memref<?x3xf32> {kred.alias = "A"}, %arg3: memref<?x1xf32> {kred.alias = "E"}, %arg4: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1, %arg2, %arg3 : memref<?x3xf32>, memref<?x3xf32>, memref<?x3xf32>, memref<?x1xf32>) outs(%arg4 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<3xf32>
      %2 = kred.var j 2 : vector<3xf32>
      %3 = kred.var j 3 : vector<1xf32>
      %4 = kred.weighted_sqdist %2, %0, %1 : vector<3xf32>, vector<3xf32>, vector<3xf32>
      %5 = kred.grad %4, %0, %3 : vector<1xf32>, vector<3xf32>, vector<1xf32>
      kred.yield %5 : vector<3xf32>
    }
    return
  }

// -----

// elem: e placed at the index (elem_t)
// CHECK-LABEL: func.func @elem(
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 1 : vector<1xf32>
// CHECK: %[[V2:.*]] = kred.elem_t %[[E]], 3, 1 : vector<1xf32>
// CHECK: kred.yield %[[V2]] : vector<3xf32>
func.func @elem(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x1xf32> {kred.alias = "E"}, %arg2: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1 : memref<?x3xf32>, memref<?x1xf32>) outs(%arg2 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<1xf32>
      %2 = kred.elem %0, 1 : vector<3xf32>
      %3 = kred.grad %2, %0, %1 : vector<1xf32>, vector<3xf32>, vector<1xf32>
      kred.yield %3 : vector<3xf32>
    }
    return
  }

// -----

// elem_t: e at the index (elem)
// CHECK-LABEL: func.func @elem_t(
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 1 : vector<4xf32>
// CHECK: %[[V2:.*]] = kred.elem %[[E]], 2 : vector<4xf32>
// CHECK: %[[V3:.*]] = kred.sum_t %[[V2]], 3 : vector<1xf32>
// CHECK: kred.yield %[[V3]] : vector<3xf32>
func.func @elem_t(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x4xf32> {kred.alias = "E"}, %arg2: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1 : memref<?x3xf32>, memref<?x4xf32>) outs(%arg2 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<4xf32>
      %2 = kred.sum %0 : vector<3xf32>
      %3 = kred.elem_t %2, 4, 2 : vector<1xf32>
      %4 = kred.grad %3, %0, %1 : vector<4xf32>, vector<3xf32>, vector<4xf32>
      kred.yield %4 : vector<3xf32>
    }
    return
  }

// -----

// extract: e placed back (extract_t)
// CHECK-LABEL: func.func @extract(
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 1 : vector<2xf32>
// CHECK: %[[V2:.*]] = kred.extract_t %[[E]], 1, 3 : vector<2xf32>
// CHECK: kred.yield %[[V2]] : vector<3xf32>
func.func @extract(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x2xf32> {kred.alias = "E"}, %arg2: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1 : memref<?x3xf32>, memref<?x2xf32>) outs(%arg2 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<2xf32>
      %2 = kred.extract %0, 1, 2 : vector<3xf32>
      %3 = kred.grad %2, %0, %1 : vector<2xf32>, vector<3xf32>, vector<2xf32>
      kred.yield %3 : vector<3xf32>
    }
    return
  }

// -----

// extract_t: the slice of e (extract)
// CHECK-LABEL: func.func @extract_t(
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 1 : vector<5xf32>
// CHECK: %[[V2:.*]] = kred.extract %[[E]], 1, 3 : vector<5xf32>
// CHECK: kred.yield %[[V2]] : vector<3xf32>
func.func @extract_t(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x5xf32> {kred.alias = "E"}, %arg2: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1 : memref<?x3xf32>, memref<?x5xf32>) outs(%arg2 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<5xf32>
      %2 = kred.extract_t %0, 1, 5 : vector<3xf32>
      %3 = kred.grad %2, %0, %1 : vector<5xf32>, vector<3xf32>, vector<5xf32>
      kred.yield %3 : vector<3xf32>
    }
    return
  }

// -----

// concat: the part of e of each operand
// CHECK-LABEL: func.func @concat(
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[Y:.*]] = kred.var j 1 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 2 : vector<6xf32>
// CHECK: %[[V3:.*]] = kred.extract %[[E]], 0, 3 : vector<6xf32>
// CHECK: kred.yield %[[V3]] : vector<3xf32>
func.func @concat(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x3xf32> {kred.alias = "Y"}, %arg2: memref<?x6xf32> {kred.alias = "E"}, %arg3: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1, %arg2 : memref<?x3xf32>, memref<?x3xf32>, memref<?x6xf32>) outs(%arg3 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<3xf32>
      %2 = kred.var j 2 : vector<6xf32>
      %3 = kred.concat %0, %1 : vector<3xf32>, vector<3xf32>
      %4 = kred.grad %3, %0, %2 : vector<6xf32>, vector<3xf32>, vector<6xf32>
      kred.yield %4 : vector<3xf32>
    }
    return
  }

// -----

// one_hot: zero
// CHECK-LABEL: func.func @one_hot(
// CHECK: %[[C0:.*]] = kred.constant dense<0.000000e+00> : vector<3xf32>
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 1 : vector<4xf32>
// CHECK: kred.yield %[[C0]] : vector<3xf32>
func.func @one_hot(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x4xf32> {kred.alias = "E"}, %arg2: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1 : memref<?x3xf32>, memref<?x4xf32>) outs(%arg2 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<4xf32>
      %2 = kred.sum %0 : vector<3xf32>
      %3 = kred.one_hot %2, 4 : vector<1xf32>
      %4 = kred.grad %3, %0, %1 : vector<4xf32>, vector<3xf32>, vector<4xf32>
      kred.yield %4 : vector<3xf32>
    }
    return
  }

// -----

// matvecmult, vector: the transposed product
// CHECK-LABEL: func.func @matvecmult_vector(
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[M:.*]] = kred.var j 1 : vector<6xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 2 : vector<2xf32>
// CHECK: %[[V3:.*]] = kred.elem %[[E]], 0 : vector<2xf32>
// CHECK: %[[V4:.*]] = kred.elem %[[M]], 0 : vector<6xf32>
// CHECK: %[[V5:.*]] = kred.mul %[[V3]], %[[V4]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V6:.*]] = kred.elem %[[M]], 1 : vector<6xf32>
// CHECK: %[[V7:.*]] = kred.mul %[[V3]], %[[V6]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V8:.*]] = kred.elem %[[M]], 2 : vector<6xf32>
// CHECK: %[[V9:.*]] = kred.mul %[[V3]], %[[V8]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V10:.*]] = kred.elem %[[E]], 1 : vector<2xf32>
// CHECK: %[[V11:.*]] = kred.elem %[[M]], 3 : vector<6xf32>
// CHECK: %[[V12:.*]] = kred.mul %[[V10]], %[[V11]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V13:.*]] = kred.add %[[V5]], %[[V12]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V14:.*]] = kred.elem %[[M]], 4 : vector<6xf32>
// CHECK: %[[V15:.*]] = kred.mul %[[V10]], %[[V14]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V16:.*]] = kred.add %[[V7]], %[[V15]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V17:.*]] = kred.elem %[[M]], 5 : vector<6xf32>
// CHECK: %[[V18:.*]] = kred.mul %[[V10]], %[[V17]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V19:.*]] = kred.add %[[V9]], %[[V18]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V20:.*]] = kred.concat %[[V13]], %[[V16]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V21:.*]] = kred.concat %[[V20]], %[[V19]] : vector<2xf32>, vector<1xf32>
// CHECK: kred.yield %[[V21]] : vector<3xf32>
func.func @matvecmult_vector(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x6xf32> {kred.alias = "M"}, %arg2: memref<?x2xf32> {kred.alias = "E"}, %arg3: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1, %arg2 : memref<?x3xf32>, memref<?x6xf32>, memref<?x2xf32>) outs(%arg3 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<6xf32>
      %2 = kred.var j 2 : vector<2xf32>
      %3 = kred.matvecmult %1, %0 : vector<6xf32>, vector<3xf32>
      %4 = kred.grad %3, %0, %2 : vector<2xf32>, vector<3xf32>, vector<2xf32>
      kred.yield %4 : vector<3xf32>
    }
    return
  }

// -----

// matvecmult, matrix: the outer product
// CHECK-LABEL: func.func @matvecmult_matrix(
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<6xf32>
// CHECK-DAG: %[[V:.*]] = kred.var j 1 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 2 : vector<2xf32>
// CHECK: %[[V3:.*]] = kred.elem %[[E]], 0 : vector<2xf32>
// CHECK: %[[V4:.*]] = kred.elem %[[V]], 0 : vector<3xf32>
// CHECK: %[[V5:.*]] = kred.mul %[[V3]], %[[V4]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V6:.*]] = kred.elem %[[V]], 1 : vector<3xf32>
// CHECK: %[[V7:.*]] = kred.mul %[[V3]], %[[V6]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V8:.*]] = kred.elem %[[V]], 2 : vector<3xf32>
// CHECK: %[[V9:.*]] = kred.mul %[[V3]], %[[V8]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V10:.*]] = kred.elem %[[E]], 1 : vector<2xf32>
// CHECK: %[[V11:.*]] = kred.mul %[[V10]], %[[V4]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V12:.*]] = kred.mul %[[V10]], %[[V6]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V13:.*]] = kred.mul %[[V10]], %[[V8]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V14:.*]] = kred.concat %[[V5]], %[[V7]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V15:.*]] = kred.concat %[[V14]], %[[V9]] : vector<2xf32>, vector<1xf32>
// CHECK: %[[V16:.*]] = kred.concat %[[V15]], %[[V11]] : vector<3xf32>, vector<1xf32>
// CHECK: %[[V17:.*]] = kred.concat %[[V16]], %[[V12]] : vector<4xf32>, vector<1xf32>
// CHECK: %[[V18:.*]] = kred.concat %[[V17]], %[[V13]] : vector<5xf32>, vector<1xf32>
// CHECK: kred.yield %[[V18]] : vector<6xf32>
func.func @matvecmult_matrix(%arg0: memref<?x6xf32> {kred.alias = "X"}, %arg1: memref<?x3xf32> {kred.alias = "V"}, %arg2: memref<?x2xf32> {kred.alias = "E"}, %arg3: memref<?x6xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1, %arg2 : memref<?x6xf32>, memref<?x3xf32>, memref<?x2xf32>) outs(%arg3 : memref<?x6xf32>) {
      %0 = kred.var i 0 : vector<6xf32>
      %1 = kred.var j 1 : vector<3xf32>
      %2 = kred.var j 2 : vector<2xf32>
      %3 = kred.matvecmult %0, %1 : vector<6xf32>, vector<3xf32>
      %4 = kred.grad %3, %0, %2 : vector<2xf32>, vector<6xf32>, vector<2xf32>
      kred.yield %4 : vector<6xf32>
    }
    return
  }

// -----

// vecmatmult, vector: the product
// CHECK-LABEL: func.func @vecmatmult_vector(
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[M:.*]] = kred.var j 1 : vector<6xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 2 : vector<2xf32>
// CHECK: %[[V3:.*]] = kred.elem %[[E]], 0 : vector<2xf32>
// CHECK: %[[V4:.*]] = kred.elem %[[M]], 0 : vector<6xf32>
// CHECK: %[[V5:.*]] = kred.mul %[[V3]], %[[V4]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V6:.*]] = kred.elem %[[M]], 2 : vector<6xf32>
// CHECK: %[[V7:.*]] = kred.mul %[[V3]], %[[V6]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V8:.*]] = kred.elem %[[M]], 4 : vector<6xf32>
// CHECK: %[[V9:.*]] = kred.mul %[[V3]], %[[V8]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V10:.*]] = kred.elem %[[E]], 1 : vector<2xf32>
// CHECK: %[[V11:.*]] = kred.elem %[[M]], 1 : vector<6xf32>
// CHECK: %[[V12:.*]] = kred.mul %[[V10]], %[[V11]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V13:.*]] = kred.add %[[V5]], %[[V12]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V14:.*]] = kred.elem %[[M]], 3 : vector<6xf32>
// CHECK: %[[V15:.*]] = kred.mul %[[V10]], %[[V14]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V16:.*]] = kred.add %[[V7]], %[[V15]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V17:.*]] = kred.elem %[[M]], 5 : vector<6xf32>
// CHECK: %[[V18:.*]] = kred.mul %[[V10]], %[[V17]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V19:.*]] = kred.add %[[V9]], %[[V18]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V20:.*]] = kred.concat %[[V13]], %[[V16]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V21:.*]] = kred.concat %[[V20]], %[[V19]] : vector<2xf32>, vector<1xf32>
// CHECK: kred.yield %[[V21]] : vector<3xf32>
func.func @vecmatmult_vector(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x6xf32> {kred.alias = "M"}, %arg2: memref<?x2xf32> {kred.alias = "E"}, %arg3: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1, %arg2 : memref<?x3xf32>, memref<?x6xf32>, memref<?x2xf32>) outs(%arg3 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<6xf32>
      %2 = kred.var j 2 : vector<2xf32>
      %3 = kred.vecmatmult %0, %1 : vector<3xf32>, vector<6xf32>
      %4 = kred.grad %3, %0, %2 : vector<2xf32>, vector<3xf32>, vector<2xf32>
      kred.yield %4 : vector<3xf32>
    }
    return
  }

// -----

// tensorprod: the products with the other factor
// CHECK-LABEL: func.func @tensorprod(
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[Y:.*]] = kred.var j 1 : vector<2xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 2 : vector<6xf32>
// CHECK: %[[V3:.*]] = kred.elem %[[E]], 0 : vector<6xf32>
// CHECK: %[[V4:.*]] = kred.elem %[[Y]], 0 : vector<2xf32>
// CHECK: %[[V5:.*]] = kred.mul %[[V3]], %[[V4]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V6:.*]] = kred.elem %[[E]], 1 : vector<6xf32>
// CHECK: %[[V7:.*]] = kred.elem %[[Y]], 1 : vector<2xf32>
// CHECK: %[[V8:.*]] = kred.mul %[[V6]], %[[V7]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V9:.*]] = kred.add %[[V5]], %[[V8]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V10:.*]] = kred.elem %[[E]], 2 : vector<6xf32>
// CHECK: %[[V11:.*]] = kred.mul %[[V10]], %[[V4]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V12:.*]] = kred.elem %[[E]], 3 : vector<6xf32>
// CHECK: %[[V13:.*]] = kred.mul %[[V12]], %[[V7]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V14:.*]] = kred.add %[[V11]], %[[V13]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V15:.*]] = kred.elem %[[E]], 4 : vector<6xf32>
// CHECK: %[[V16:.*]] = kred.mul %[[V15]], %[[V4]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V17:.*]] = kred.elem %[[E]], 5 : vector<6xf32>
// CHECK: %[[V18:.*]] = kred.mul %[[V17]], %[[V7]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V19:.*]] = kred.add %[[V16]], %[[V18]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V20:.*]] = kred.concat %[[V9]], %[[V14]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V21:.*]] = kred.concat %[[V20]], %[[V19]] : vector<2xf32>, vector<1xf32>
// CHECK: kred.yield %[[V21]] : vector<3xf32>
func.func @tensorprod(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x2xf32> {kred.alias = "Y"}, %arg2: memref<?x6xf32> {kred.alias = "E"}, %arg3: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1, %arg2 : memref<?x3xf32>, memref<?x2xf32>, memref<?x6xf32>) outs(%arg3 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<2xf32>
      %2 = kred.var j 2 : vector<6xf32>
      %3 = kred.tensorprod %0, %1 : vector<3xf32>, vector<2xf32>
      %4 = kred.grad %3, %0, %2 : vector<6xf32>, vector<3xf32>, vector<6xf32>
      kred.yield %4 : vector<3xf32>
    }
    return
  }

// -----

// kron
// CHECK-LABEL: func.func @kron(
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[Y:.*]] = kred.var j 1 : vector<2xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 2 : vector<6xf32>
// CHECK: %[[V3:.*]] = kred.elem %[[E]], 0 : vector<6xf32>
// CHECK: %[[V4:.*]] = kred.elem %[[Y]], 0 : vector<2xf32>
// CHECK: %[[V5:.*]] = kred.mul %[[V3]], %[[V4]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V6:.*]] = kred.elem %[[E]], 1 : vector<6xf32>
// CHECK: %[[V7:.*]] = kred.elem %[[Y]], 1 : vector<2xf32>
// CHECK: %[[V8:.*]] = kred.mul %[[V6]], %[[V7]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V9:.*]] = kred.add %[[V5]], %[[V8]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V10:.*]] = kred.elem %[[E]], 2 : vector<6xf32>
// CHECK: %[[V11:.*]] = kred.mul %[[V10]], %[[V4]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V12:.*]] = kred.elem %[[E]], 3 : vector<6xf32>
// CHECK: %[[V13:.*]] = kred.mul %[[V12]], %[[V7]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V14:.*]] = kred.add %[[V11]], %[[V13]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V15:.*]] = kred.elem %[[E]], 4 : vector<6xf32>
// CHECK: %[[V16:.*]] = kred.mul %[[V15]], %[[V4]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V17:.*]] = kred.elem %[[E]], 5 : vector<6xf32>
// CHECK: %[[V18:.*]] = kred.mul %[[V17]], %[[V7]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V19:.*]] = kred.add %[[V16]], %[[V18]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V20:.*]] = kred.concat %[[V9]], %[[V14]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V21:.*]] = kred.concat %[[V20]], %[[V19]] : vector<2xf32>, vector<1xf32>
// CHECK: kred.yield %[[V21]] : vector<3xf32>
func.func @kron(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x2xf32> {kred.alias = "Y"}, %arg2: memref<?x6xf32> {kred.alias = "E"}, %arg3: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1, %arg2 : memref<?x3xf32>, memref<?x2xf32>, memref<?x6xf32>) outs(%arg3 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<2xf32>
      %2 = kred.var j 2 : vector<6xf32>
      %3 = kred.kron %0, %1, [3], [2] : vector<3xf32>, vector<2xf32>
      %4 = kred.grad %3, %0, %2 : vector<6xf32>, vector<3xf32>, vector<6xf32>
      kred.yield %4 : vector<3xf32>
    }
    return
  }

// -----

// tensordot
// CHECK-LABEL: func.func @tensordot(
// CHECK-DAG: %[[X:.*]] = kred.var i 0 : vector<3xf32>
// CHECK-DAG: %[[Y:.*]] = kred.var j 1 : vector<3xf32>
// CHECK-DAG: %[[E:.*]] = kred.var j 2 : vector<1xf32>
// CHECK: %[[V3:.*]] = kred.elem %[[Y]], 0 : vector<3xf32>
// CHECK: %[[V4:.*]] = kred.mul %[[E]], %[[V3]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V5:.*]] = kred.elem %[[Y]], 1 : vector<3xf32>
// CHECK: %[[V6:.*]] = kred.mul %[[E]], %[[V5]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V7:.*]] = kred.elem %[[Y]], 2 : vector<3xf32>
// CHECK: %[[V8:.*]] = kred.mul %[[E]], %[[V7]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V9:.*]] = kred.concat %[[V4]], %[[V6]] : vector<1xf32>, vector<1xf32>
// CHECK: %[[V10:.*]] = kred.concat %[[V9]], %[[V8]] : vector<2xf32>, vector<1xf32>
// CHECK: kred.yield %[[V10]] : vector<3xf32>
func.func @tensordot(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x3xf32> {kred.alias = "Y"}, %arg2: memref<?x1xf32> {kred.alias = "E"}, %arg3: memref<?x3xf32> {kred.output}) {
    kred.reduce sum over i ins(%arg0, %arg1, %arg2 : memref<?x3xf32>, memref<?x3xf32>, memref<?x1xf32>) outs(%arg3 : memref<?x3xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<3xf32>
      %2 = kred.var j 2 : vector<1xf32>
      %3 = kred.tensordot %0, %1, [3], [3], [0], [0] : vector<3xf32>, vector<3xf32>
      %4 = kred.grad %3, %0, %2 : vector<1xf32>, vector<3xf32>, vector<1xf32>
      kred.yield %4 : vector<3xf32>
    }
    return
  }
