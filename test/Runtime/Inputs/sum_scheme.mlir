// A float32 sum of M terms; SCHEME and ACC are substituted by summation.test.
func.func @sum(%x: memref<?x1xf32>, %y: memref<?x1xf32>, %out: memref<?x1xf32>) {
  kred.reduce sum over j ACC scheme(SCHEME) ins(%x, %y : memref<?x1xf32>, memref<?x1xf32>)
      outs(%out : memref<?x1xf32>) {
    %xi = kred.var i 0 : vector<1xf32>
    %yj = kred.var j 1 : vector<1xf32>
    %one = kred.constant dense<1.0> : vector<1xf32>
    %p = kred.mul %xi, %yj : vector<1xf32>, vector<1xf32>
    %f = kred.add %p, %one : vector<1xf32>, vector<1xf32>
    kred.yield %f : vector<1xf32>
  }
  return
}
