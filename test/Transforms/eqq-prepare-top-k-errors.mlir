// Invalid equalize-top-k / sqnr options and SQNR files: each makes
// --eqq-prepare fail with one error (located in the SQNR file where it
// points into it) and no output, on the model of Inputs/top-k/chain.mlir.

// Tests that malformed JSON (a trailing comma) is an error at its line.
// RUN: not eq-opt %S/Inputs/top-k/chain.mlir --eqq-prepare="equalize-top-k=1 sqnr=%S/Inputs/top-k/bad-malformed.json" 2>&1 | FileCheck %s --check-prefix=MALFORMED
// MALFORMED: {{.*}}bad-malformed.json:3:1: error: invalid SQNR file (line 3): malformed JSON: expected a value, found ']'
// MALFORMED-NOT: func.func

// Tests that a document without a "layers" array is an error saying what
// is expected.
// RUN: not eq-opt %S/Inputs/top-k/chain.mlir --eqq-prepare="equalize-top-k=1 sqnr=%S/Inputs/top-k/bad-no-layers.json" 2>&1 | FileCheck %s --check-prefix=NOLAYERS
// NOLAYERS: {{.*}}bad-no-layers.json:1:1: error: invalid SQNR file (line 1): expected {"layers": [{"name": ..., "sqnr_db": ...}, ...]}, as eq-run --compare --json prints
// NOLAYERS-NOT: func.func

// Tests that an entry without "sqnr_db" is an error at its line.
// RUN: not eq-opt %S/Inputs/top-k/chain.mlir --eqq-prepare="equalize-top-k=1 sqnr=%S/Inputs/top-k/bad-missing-sqnr.json" 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: {{.*}}bad-missing-sqnr.json:3:1: error: invalid SQNR file (line 3): each layer needs a string 'name' and a number 'sqnr_db' (or "inf", "-inf", "nan")
// MISSING-NOT: func.func

// Tests that an SQNR that is neither a number nor "inf"/"-inf"/"nan" is an error.
// RUN: not eq-opt %S/Inputs/top-k/chain.mlir --eqq-prepare="equalize-top-k=1 sqnr=%S/Inputs/top-k/bad-sqnr-type.json" 2>&1 | FileCheck %s --check-prefix=TYPE
// TYPE: {{.*}}bad-sqnr-type.json:2:1: error: invalid SQNR file (line 2): each layer needs a string 'name' and a number 'sqnr_db'
// TYPE-NOT: func.func

// Tests that a layer listed twice is an error naming it.
// RUN: not eq-opt %S/Inputs/top-k/chain.mlir --eqq-prepare="equalize-top-k=1 sqnr=%S/Inputs/top-k/bad-duplicate.json" 2>&1 | FileCheck %s --check-prefix=DUPLICATE
// DUPLICATE: {{.*}}bad-duplicate.json:4:9: error: invalid SQNR file (line 4): layer 'fc1' appears twice
// DUPLICATE-NOT: func.func

// Tests that names that are not layers of the module are an error naming
// each of them and its line (an SQNR file of another model).
// RUN: not eq-opt %S/Inputs/top-k/chain.mlir --eqq-prepare="equalize-top-k=1 sqnr=%S/Inputs/top-k/bad-unknown-layers.json" 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// UNKNOWN: {{.*}}bad-unknown-layers.json:3:1: error: the SQNR file names 2 layer(s) the module does not have: 'top.0' (line 3), 'bot.0' (line 5)
// UNKNOWN-NOT: func.func

// Tests that a missing file is an error naming it.
// RUN: not eq-opt %S/Inputs/top-k/chain.mlir --eqq-prepare="equalize-top-k=1 sqnr=%S/Inputs/top-k/missing.json" 2>&1 | FileCheck %s --check-prefix=NOFILE
// NOFILE: error: cannot read {{.*}}missing.json: {{.*}}
// NOFILE-NOT: func.func

// Tests that a negative N is an error.
// RUN: not eq-opt %S/Inputs/top-k/chain.mlir --eqq-prepare="equalize-top-k=-2 sqnr=%S/Inputs/top-k/sqnr.json" 2>&1 | FileCheck %s --check-prefix=NEGATIVE
// NEGATIVE: error: equalize-top-k must be a number of layers (>= 0), got -2
// NEGATIVE-NOT: func.func

// Tests that equalize-top-k without sqnr= is an error saying what to give.
// RUN: not eq-opt %S/Inputs/top-k/chain.mlir --eqq-prepare="equalize-top-k=1" 2>&1 | FileCheck %s --check-prefix=NOSQNR
// NOSQNR: error: equalize-top-k needs sqnr=FILE.json, the per-layer SQNR that eq-run --compare --json prints
// NOSQNR-NOT: func.func

// Tests that sqnr= without equalize-top-k is an error too (it would do
// nothing).
// RUN: not eq-opt %S/Inputs/top-k/chain.mlir --eqq-prepare="sqnr=%S/Inputs/top-k/sqnr.json" 2>&1 | FileCheck %s --check-prefix=NOK
// NOK: error: sqnr= needs equalize-top-k=N, the number of layers to equalize
// NOK-NOT: func.func
