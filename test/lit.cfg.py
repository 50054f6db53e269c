# -*- Python -*-
# lit configuration of kred's regression tests.

import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "KRED"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".kf", ".test"]
config.excludes = ["CMakeLists.txt", "README.md", "lit.cfg.py", "lit.site.cfg.py", "Inputs", "API"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.kred_obj_root, "test")

# Variables defined with [[# ]] or [[X:]] do not leak across CHECK-LABELs.
config.environment["FILECHECK_OPTS"] = "--enable-var-scope --dump-input=fail"

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
# Commands kred prints (reproducers) name kred-opt: found first on PATH.
llvm_config.with_environment("PATH", config.kred_tools_dir, append_path=True)

tools = [
    ToolSubst("kred-opt", unresolved="fatal"),
    ToolSubst("kred-translate", unresolved="fatal"),
    ToolSubst("kred-run", unresolved="fatal"),
    ToolSubst("kred-runtime-api-test", unresolved="fatal"),
    ToolSubst("kred-pipeline-options-test", unresolved="fatal"),
    ToolSubst("kred-gpu-sim-test", unresolved="fatal"),
    ToolSubst("kred-lsp-server", unresolved="fatal"),
    ToolSubst("mlir-translate", unresolved="fatal"),
    ToolSubst("mlir-opt", unresolved="fatal"),
    ToolSubst("%python", "/usr/bin/python3", unresolved="ignore"),
]
llvm_config.add_tool_substitutions(tools, [config.kred_tools_dir, config.llvm_tools_dir])

# kred's dialect and passes as a plugin of upstream mlir-opt.
config.substitutions.append(
    ("%kred_plugin", os.path.join(config.kred_obj_root, "lib", "KredPlugin.so")))

if config.kred_sanitized:
    config.available_features.add("sanitized")

# The CUDA toolkit's ptxas checks generated PTX (no GPU needed).
ptxas = os.path.join(os.environ.get("CUDA_HOME", "/usr/local/cuda"), "bin", "ptxas")
if os.access(ptxas, os.X_OK):
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))

# Compiled kernels go to a cache private to this test run.
config.environment["KRED_CACHE_DIR"] = os.path.join(config.test_exec_root, "kernel-cache")
config.environment.pop("KRED_VERBOSE", None)
