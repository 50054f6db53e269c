# The two entry points named in the README: `make test` and `make demo`.
BUILD_DIR ?= build
LLVM_DIR  ?= /usr/lib/llvm-22
JOBS      ?= $(shell nproc)

.PHONY: all bootstrap configure build test demo bench docs clean fuzz fuzz-build sanitize wheel

all: build

bootstrap:
	@scripts/bootstrap.sh

$(BUILD_DIR)/build.ninja: | bootstrap
	cmake -G Ninja -S . -B $(BUILD_DIR) \
	  -DCMAKE_BUILD_TYPE=Release \
	  -DMLIR_DIR=$(LLVM_DIR)/lib/cmake/mlir \
	  -DLLVM_EXTERNAL_LIT=$(LLVM_DIR)/bin/lit \
	  -DPython3_EXECUTABLE=/usr/bin/python3

configure: $(BUILD_DIR)/build.ninja

build: bootstrap configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

# pip wheel . into dist/, installed and checked in a fresh venv (a second
# full build: not part of make test).
wheel: bootstrap
	scripts/check_wheel.sh dist

test: build
	cmake --build $(BUILD_DIR) --target check-kred
	cmake --build $(BUILD_DIR) --target check-kred-python
	scripts/check_downstream.sh $(BUILD_DIR) $(LLVM_DIR)
	scripts/check_aot.sh $(BUILD_DIR)
	$(MAKE) fuzz FUZZ_SECONDS=5

# clang-22 with AddressSanitizer, UndefinedBehaviorSanitizer and libFuzzer's
# coverage, for the fuzz targets.
FUZZ_DIR     ?= build-fuzz
FUZZ_SECONDS ?= 180
# -O1 and line tables only: a third of -O3's compile time, stack traces kept.
SANITIZE_FLAGS = -O1 -gline-tables-only -fsanitize=address,undefined,fuzzer-no-link \
  -fno-sanitize=vptr,function -fno-sanitize-recover=undefined -fno-omit-frame-pointer

$(FUZZ_DIR)/build.ninja: | bootstrap
	cmake -G Ninja -S . -B $(FUZZ_DIR) \
	  -DCMAKE_BUILD_TYPE= -DLLVM_ENABLE_ASSERTIONS=OFF \
	  -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
	  -DCMAKE_CXX_FLAGS="$(SANITIZE_FLAGS)" -DCMAKE_C_FLAGS="$(SANITIZE_FLAGS)" \
	  -DKRED_FUZZ=ON -DKRED_PYTHON=OFF \
	  -DMLIR_DIR=$(LLVM_DIR)/lib/cmake/mlir \
	  -DLLVM_EXTERNAL_LIT=$(LLVM_DIR)/bin/lit

fuzz-build: $(FUZZ_DIR)/build.ninja
	cmake --build $(FUZZ_DIR) -j $(JOBS) --target kred-fuzz-targets

# Each libFuzzer target for FUZZ_SECONDS seconds (crashes saved under
# $(FUZZ_DIR)/crashes).
fuzz: fuzz-build
	fuzz/run.sh $(FUZZ_DIR) $(FUZZ_SECONDS)

# The lit suite on tools built with ASan + UBSan by the compiler of make
# test (GCC: the IR's op order follows the compiler's argument evaluation
# order, which the lit tests pin). Not part of make test: slow.
SANITIZE_DIR ?= build-sanitize
GCC_SANITIZE_FLAGS = -O1 -g1 -fsanitize=address,undefined -fno-sanitize=vptr \
  -fno-sanitize-recover=undefined -fno-omit-frame-pointer

$(SANITIZE_DIR)/build.ninja: | bootstrap
	cmake -G Ninja -S . -B $(SANITIZE_DIR) -DCMAKE_BUILD_TYPE= \
	  -DCMAKE_CXX_FLAGS="$(GCC_SANITIZE_FLAGS)" -DCMAKE_C_FLAGS="$(GCC_SANITIZE_FLAGS)" \
	  -DKRED_PYTHON=OFF -DMLIR_DIR=$(LLVM_DIR)/lib/cmake/mlir \
	  -DLLVM_EXTERNAL_LIT=$(LLVM_DIR)/bin/lit

sanitize: $(SANITIZE_DIR)/build.ninja
	cmake --build $(SANITIZE_DIR) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=0 cmake --build $(SANITIZE_DIR) --target check-kred

# BENCH_PYTHON: a Python with pykeops 2.3 adds pykeops' rows to the tables.
BENCH_PYTHON ?= /usr/bin/python3
demo: build
	@scripts/bootstrap.sh demo
	@BENCH_PYTHON=$(BENCH_PYTHON) bench/demo.sh $(BUILD_DIR)

# The CPU performance targets (add QUICK=1 to skip the N = M = 1e6 memory run),
# the Python front-end's costs and k-nearest neighbours.
bench: build
	/usr/bin/python3 bench/cpu_targets.py $(BUILD_DIR) $(if $(QUICK),--quick)
	PYTHONPATH=$(BUILD_DIR)/python /usr/bin/python3 bench/python_overhead.py $(BUILD_DIR)
	PYTHONPATH=$(BUILD_DIR)/python /usr/bin/python3 bench/knn.py $(if $(QUICK),--sizes 10000)

docs: build
	cmake --build $(BUILD_DIR) --target mlir-doc

clean:
	rm -rf $(BUILD_DIR) $(FUZZ_DIR) $(SANITIZE_DIR)
