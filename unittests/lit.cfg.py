# -*- Python -*-
# lit configuration for the C++ unit tests: every GoogleTest executable named
# *Tests below the build's unittests/ folder; each test case is one lit test.

import os

import lit.formats

config.name = "EqQuant-Unit"
config.suffixes = []
config.test_source_root = os.path.join(config.eqquant_obj_root, "unittests")
config.test_exec_root = config.test_source_root
config.test_format = lit.formats.GoogleTest(".", "Tests")
