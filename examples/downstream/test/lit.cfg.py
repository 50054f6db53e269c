# lit configuration of the downstream example: its driver, the installed
# kred tools and plugin, LLVM's FileCheck.
import os

import lit.formats

config.name = "kred-downstream"
config.test_format = lit.formats.ShTest(True)
config.suffixes = [".mlir"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.downstream_tools_dir, "test")
config.environment["PATH"] = os.pathsep.join(
    [config.downstream_tools_dir, config.kred_tools_dir, config.llvm_tools_dir,
     config.environment.get("PATH", os.environ["PATH"])])
config.substitutions.append(("%kred_plugin", config.kred_plugin))
