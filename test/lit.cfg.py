# -*- Python -*-
# lit configuration for EqQuant.

import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "EqQuant"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test", ".py"]
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]

config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.eqquant_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%eqq_src", config.eqquant_src_root))
config.substitutions.append(("%eqq_obj", config.eqquant_obj_root))
config.substitutions.append(("%mlir_dir", config.mlir_dir))
# How the main build makes and links, so that a test building a project against
# this one (Install/find-package.test) uses the same tools (e.g. Ninja, lld).
# Before %cmake, which would otherwise replace their prefix.
config.substitutions.append(
    ("%cmake_make_program", getattr(config, "cmake_make_program", "")))
config.substitutions.append(
    ("%cmake_exe_linker_flags", getattr(config, "cmake_exe_linker_flags", "")))
config.substitutions.append(("%cmake_generator", config.cmake_generator))
config.substitutions.append(("%cmake", config.cmake_command))
config.substitutions.append(("%cxx", config.cxx_compiler))
config.substitutions.append(("%cc", config.c_compiler))
# Linking an object whose int8 kernels run on threads (the OpenMP runtime of
# LLVM 22, found at run time through the rpath).
config.substitutions.append(("%openmp_link", "-fopenmp -Wl,-rpath," + os.path.normpath(
    os.path.join(config.llvm_tools_dir, "..", "lib"))))

llvm_config.with_system_environment(["HOME", "TMPDIR", "TMP", "TEMP"])
llvm_config.use_default_substitutions()

tool_dirs = [config.eqquant_tools_dir, config.llvm_tools_dir]
tools = ["eq-opt", "FileCheck", "not", "count", "split-file"]
llvm_config.add_tool_substitutions(tools, tool_dirs)
llvm_config.with_environment("PATH", config.eqquant_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

# tools/eq-export (the PyTorch exporter) runs under the interpreter that has
# PyTorch: /usr/bin/python3 unless EQQ_TORCH_PYTHON names another one. %python
# is that interpreter (replacing lit's default), %eq_export the exporter's CLI
# (-B: no __pycache__ in the source tree).
import sys

_torch_python = os.environ.get("EQQ_TORCH_PYTHON") or (
    "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable)
config.substitutions = [s for s in config.substitutions if s[0] != "%python"]
config.substitutions.insert(0, ("%python", _torch_python + " -B"))
config.substitutions.insert(0, ("%eq_export", "%s -B %s" % (
    _torch_python, os.path.join(config.eqquant_src_root, "tools", "eq-export", "eq_export.py"))))

import subprocess


def _python_has(module):
    """Whether that interpreter can import `module`."""
    return subprocess.call([_torch_python, "-c", "import importlib.util, sys; "
                            "sys.exit(importlib.util.find_spec('%s') is None)" % module],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) == 0


if _python_has("torch"):
    config.available_features.add("torch")
# torchvision's models (Debian's python3-torchvision) for the exporter's
# whole-model tests.
if _python_has("torchvision"):
    config.available_features.add("torchvision")

# tools/eq-plot (the equalization plot) needs matplotlib, in the same
# interpreter; %eq_plot is its CLI.
config.substitutions.insert(0, ("%eq_plot", "%s -B %s" % (
    _torch_python, os.path.join(config.eqquant_src_root, "tools", "eq-plot", "eq_plot.py"))))
if _python_has("matplotlib"):
    config.available_features.add("matplotlib")
