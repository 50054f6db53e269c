# The two entry points named in the README: `make test` and `make demo`.
BUILD_DIR ?= build
LLVM_DIR  ?= /usr/lib/llvm-22
JOBS      ?= $(shell nproc)

.PHONY: all bootstrap configure build test demo bench docs clean

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

test: build
	cmake --build $(BUILD_DIR) --target check-kred
	cmake --build $(BUILD_DIR) --target check-kred-python

demo: build
	@scripts/bootstrap.sh demo
	@bench/demo.sh $(BUILD_DIR)

# The CPU performance targets (add QUICK=1 to skip the N = M = 1e6 memory run),
# the Python front-end's costs and k-nearest neighbours.
bench: build
	/usr/bin/python3 bench/cpu_targets.py $(BUILD_DIR) $(if $(QUICK),--quick)
	PYTHONPATH=$(BUILD_DIR)/python /usr/bin/python3 bench/python_overhead.py $(BUILD_DIR)
	PYTHONPATH=$(BUILD_DIR)/python /usr/bin/python3 bench/knn.py $(if $(QUICK),--sizes 10000)

docs: build
	cmake --build $(BUILD_DIR) --target mlir-doc

clean:
	rm -rf $(BUILD_DIR)
