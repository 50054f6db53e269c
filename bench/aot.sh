#!/bin/sh
# Ahead-of-time libraries against the JIT, in one run: resident memory
# (/usr/bin/time -f %M) of the seed's Gaussian convolution run by a C
# program linking libgauss.so, by kred-run and by Python (kred.numpy), and
# the first call's latency at N = M = 100: AOT (dlopen + call) against a
# cold JIT compile and a warm disk-cache hit.
# usage: bench/aot.sh [BUILD_DIR] [N] [M]   (default N = 1000000, M = 10000)
set -eu
build=$(realpath "${1:-build}")
n=${2:-1000000}
m=${3:-10000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "host: $(PYTHONPATH=$build/python /usr/bin/python3 -c 'import kred._kred as k; print(k.host())')"
"$build/bin/kred-aot" bench/gaussian_conv.kf -o "$work/libgauss.so"
cc -O2 -I"$work" bench/aot_driver.c -ldl -o "$work/driver"
arrays=$(( (4 * n + 4 * m) * 4 / 1024 ))  # X, out: 3N + N floats; Y, B: 3M + M
echo "arrays: $arrays KB (N = $n, M = $m)"

rss() { /usr/bin/time -f "%M" "$@" 2>&1 >/dev/null | tail -1; }
echo "resident memory, KB (peak):"
echo "  C program + libgauss.so:  $(rss "$work/driver" "$work/libgauss.so" "$n" "$m")"
echo "  kred-run:                 $(rss "$build/bin/kred-run" bench/gaussian_conv.kf -n "$n" -m "$m" --quiet --cache-dir "$work/cache")"
echo "  Python, kred.numpy:       $(rss env PYTHONPATH="$build/python" KRED_CACHE_DIR="$work/cache" /usr/bin/python3 -c "
import numpy as np, kred.numpy as kn
f = kn.Genred('Exp(-SqDist(X,Y))*B', ['X=Vi(3)', 'Y=Vj(3)', 'B=Vj(1)'], axis=1)
r = np.random.default_rng(0)
f(r.random(($n, 3), np.float32), r.random(($m, 3), np.float32), r.random(($m, 1), np.float32))")"

echo "first call at N = M = 100:"
echo "  AOT:   $("$work/driver" "$work/libgauss.so" 100 100)"
for kind in cold warm; do
  [ $kind = cold ] && rm -rf "$work/cache2"
  PYTHONPATH="$build/python" KRED_CACHE_DIR="$work/cache2" /usr/bin/python3 -c "
import time, numpy as np
start = time.perf_counter()
import kred.numpy as kn
f = kn.Genred('Exp(-SqDist(X,Y))*B', ['X=Vi(3)', 'Y=Vj(3)', 'B=Vj(1)'], axis=1)
r = np.random.default_rng(0)
x, y, b = r.random((100, 3), np.float32), r.random((100, 3), np.float32), r.random((100, 1), np.float32)
t = time.perf_counter(); f(x, y, b); first = time.perf_counter() - t
print(f'  JIT, $kind cache: import {t - start:.3f} s, first call {first:.4f} s')"
done
