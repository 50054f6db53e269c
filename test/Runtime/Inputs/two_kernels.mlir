// A module of two kernels compiled together: a Gaussian convolution over j
// and a 3-nearest-neighbour search over i.
module {
  func.func @gauss(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x3xf32> {kred.alias = "Y"}, %arg2: memref<?x1xf32> {kred.alias = "B"}, %arg3: memref<?x1xf32> {kred.output}) {
    kred.reduce sum over j ins(%arg0, %arg1, %arg2 : memref<?x3xf32>, memref<?x3xf32>, memref<?x1xf32>) outs(%arg3 : memref<?x1xf32>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<3xf32>
      %2 = kred.var j 2 : vector<1xf32>
      %3 = kred.sqdist %0, %1 : vector<3xf32>, vector<3xf32>
      %4 = kred.minus %3 : vector<1xf32>
      %5 = kred.exp %4 : vector<1xf32>
      %6 = kred.mul %5, %2 : vector<1xf32>, vector<1xf32>
      kred.yield %6 : vector<1xf32>
    }
    return
  }
  func.func @knn(%arg0: memref<?x3xf32> {kred.alias = "X"}, %arg1: memref<?x3xf32> {kred.alias = "Y"}, %arg2: memref<?x3xi64> {kred.output}) {
    kred.reduce arg_k_min(3) over i ins(%arg0, %arg1 : memref<?x3xf32>, memref<?x3xf32>) outs(%arg2 : memref<?x3xi64>) {
      %0 = kred.var i 0 : vector<3xf32>
      %1 = kred.var j 1 : vector<3xf32>
      %2 = kred.sqdist %0, %1 : vector<3xf32>, vector<3xf32>
      kred.yield %2 : vector<1xf32>
    }
    return
  }
}
