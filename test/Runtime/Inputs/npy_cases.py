"""Makes .npy files for the lit tests of the .npy reader and writer.

    npy_cases.py interop DIR    numpy writes every dtype, shape and format
                                version; checks that eqq-npy-tool reads the
                                values exactly and that what it writes (copy,
                                fill) is byte for byte what np.save writes
    npy_cases.py corrupt DIR    one file per way a .npy file can be wrong
    npy_cases.py variants DIR   valid headers that np.save does not write;
                                prints what eqq-npy-tool reads, once checked
                                against what numpy reads
    npy_cases.py killed DIR     runs eqq-npy-tool fill of 4 MB under a 64 KB
                                file size limit, and says how it ended

eqq-npy-tool is looked up on PATH (lit puts the build's bin/ there).
"""

import io
import os
import resource
import signal
import struct
import subprocess
import sys

import numpy as np

TOOL = "eqq-npy-tool"
DTYPES = ["float32", "float64", "int8", "uint8", "int32", "int64", "bool"]
# The last one has a header whose length crosses a multiple of 64 bytes only
# with the spaces np.save leaves for growing the first dimension.
SHAPES = [(), (1,), (5,), (2, 3), (2, 3, 4), (0,), (3, 0, 2), (1, 1, 1, 1, 7),
          (2,) + (1,) * 14 + (3,)]
VERSIONS = [(1, 0), (2, 0), (3, 0)]


def special_values(dtype):
    """Edge values first, for the first elements of each array."""
    if dtype.kind == "f":
        info = np.finfo(dtype)
        return [np.nan, np.inf, -np.inf, -0.0, 0.0, info.tiny,
                info.smallest_subnormal, info.max, -info.max, 0.1, -1.5,
                np.pi]
    if dtype.kind == "b":
        return [True, False]
    info = np.iinfo(dtype)
    return [info.min, info.max, 0, 1, info.max - 1, info.min + 1]


def make_array(dtype, shape, seed):
    dtype = np.dtype(dtype)
    n = int(np.prod(shape, dtype=np.int64))
    rng = np.random.default_rng(seed)
    if dtype.kind == "f":
        values = rng.standard_normal(n).astype(dtype) * dtype.type(1000)
    elif dtype.kind == "b":
        values = rng.integers(0, 2, size=n).astype(bool)
    else:
        info = np.iinfo(dtype)
        values = rng.integers(info.min, info.max, size=n, endpoint=True,
                              dtype=dtype)
    specials = np.array(special_values(dtype), dtype=dtype)[:n]
    values[: len(specials)] = specials
    return values.reshape(shape)


def format_value(value, dtype):
    if dtype.kind == "f":
        if np.isnan(value):
            return "nan"
        return ("%.9g" if dtype.itemsize == 4 else "%.17g") % float(value)
    if dtype.kind == "b":
        return "true" if value else "false"
    return str(int(value))


def describe(array):
    """What eqq-npy-tool print writes after "FILE: "."""
    shape = "x".join(str(d) for d in array.shape) or "scalar"
    line = "%s %s:" % (shape, array.dtype.name)
    for value in array.reshape(-1):
        line += " " + format_value(value, array.dtype)
    return line


def save_bytes(array):
    """What np.save writes for `array`."""
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def run_tool(*args):
    result = subprocess.run([TOOL, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        sys.exit("%s %s failed:\n%s%s" % (TOOL, " ".join(args), result.stdout,
                                          result.stderr))
    return result.stdout


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def check_copy(path, expected, copy):
    with open(copy, "rb") as f:
        written = f.read()
    if written != save_bytes(expected):
        fail("%s differs from np.save:\n  %r\n  %r" %
             (copy, written[:128], save_bytes(expected)[:128]))
    loaded = np.load(copy)
    if loaded.dtype != expected.dtype or loaded.shape != expected.shape or \
            not np.array_equal(loaded, expected, equal_nan=expected.dtype.kind == "f"):
        fail("np.load(%s) does not give back %s" % (copy, path))


def interop(directory):
    os.chdir(directory)

    # numpy writes, eqq-npy-tool reads.
    arrays = {}
    for i, dtype in enumerate(DTYPES):
        for j, shape in enumerate(SHAPES):
            array = make_array(dtype, shape, seed=100 * i + j)
            for version in VERSIONS:
                name = "%s-%s-v%d.npy" % (dtype, "x".join(map(str, shape)) or
                                          "scalar", version[0])
                with open(name, "wb") as f:
                    np.lib.format.write_array(f, array, version=version)
                arrays[name] = array
    names = sorted(arrays)
    output = run_tool("print", *names).splitlines()
    expected = ["%s: %s" % (name, describe(arrays[name])) for name in names]
    if output != expected:
        for got, want in zip(output, expected):
            if got != want:
                fail("read mismatch:\n  got:      %s\n  expected: %s" %
                     (got, want))
        fail("read %d lines, expected %d" % (len(output), len(expected)))
    print("read: %d files (%d dtypes, %d shapes, versions 1.0 2.0 3.0) "
          "match numpy" % (len(names), len(DTYPES), len(SHAPES)))

    # eqq-npy-tool reads and writes back, numpy compares.
    for name in names:
        run_tool("copy", name, "copy-" + name)
        check_copy(name, arrays[name], "copy-" + name)
    print("copy: %d files byte-identical to np.save" % len(names))

    # eqq-npy-tool creates, numpy compares.
    fills = 0
    for dtype in DTYPES:
        for shape in SHAPES + [(257, 1031)]:
            n = int(np.prod(shape, dtype=np.int64))
            if np.dtype(dtype).kind == "f":
                expected = (np.arange(n) * 0.25 - 3).astype(dtype)
            elif np.dtype(dtype).kind == "b":
                expected = np.arange(n) % 3 == 0
            else:
                expected = (np.arange(n, dtype=np.int64) * 7 - 50).astype(dtype)
            shape_arg = "x".join(map(str, shape)) or "scalar"
            name = "fill-%s-%s.npy" % (dtype, shape_arg)
            run_tool("fill", dtype, shape_arg, name)
            check_copy(name, expected.reshape(shape), name)
            fills += 1
    print("fill: %d files byte-identical to np.save" % fills)


def npy(header, data=b"", version=1, align=64, newline=True):
    """A .npy file with `header` (a str) padded as np.save pads it."""
    header = header.encode("utf-8" if version == 3 else "latin-1")
    prefix = 10 if version == 1 else 12
    if newline:
        total = prefix + len(header) + 1
        header += b" " * ((-total) % align) + b"\n"
    length = struct.pack("<H" if version == 1 else "<I", len(header))
    return b"\x93NUMPY" + bytes([version, 0]) + length + header + data


def raw(header, data=b"", version=1, length=None):
    """A .npy file with the bytes `header` as they are, and `length` (the
    real one by default) as the header length."""
    length = len(header) if length is None else length
    return (b"\x93NUMPY" + bytes([version, 0]) +
            struct.pack("<H" if version == 1 else "<I", length) + header + data)


def dict_header(descr="'<f4'", fortran="False", shape="(2, 3)"):
    return "{'descr': %s, 'fortran_order': %s, 'shape': %s, }" % (
        descr, fortran, shape)


F32_2X3 = np.arange(6, dtype="<f4").tobytes()


def corrupt(directory):
    os.chdir(directory)
    files = {}

    npz = io.BytesIO()
    np.savez(npz, a=np.zeros(3))

    # The preamble.
    files["empty"] = b""
    files["text"] = b"1.0 2.0 3.0\n"
    files["npz"] = npz.getvalue()
    files["short-magic"] = b"\x93NUM"
    files["short-preamble"] = b"\x93NUMPY\x01\x00\x76"
    files["short-preamble-v2"] = b"\x93NUMPY\x02\x00\x76\x00\x00"
    files["version-4"] = b"\x93NUMPY\x04\x00" + npy(dict_header())[8:]
    files["version-1.1"] = b"\x93NUMPY\x01\x01" + npy(dict_header())[8:]
    files["header-past-end"] = raw(dict_header().encode(), F32_2X3,
                                   length=0xFFFF)
    files["header-past-end-v2"] = b"\x93NUMPY\x02\x00\xff\xff\xff\xff{}"
    files["header-cut"] = raw(dict_header().encode(), F32_2X3, length=20)

    # The header's syntax.
    files["not-a-dict"] = npy("[2, 3]", F32_2X3)
    files["missing-colon"] = npy("{'descr' '<f4', 'fortran_order': False, "
                                 "'shape': (2, 3), }", F32_2X3)
    files["missing-comma"] = npy("{'descr': '<f4' 'fortran_order': False, "
                                 "'shape': (2, 3), }", F32_2X3)
    files["misquoted-key"] = npy("{'descr: '<f4', 'fortran_order': "
                                 "False, 'shape': (2, 3), }", F32_2X3)
    files["unquoted-key"] = npy("{descr: '<f4', 'fortran_order': False, "
                                "'shape': (2, 3), }", F32_2X3)
    files["text-after-dict"] = npy(dict_header() + " x", F32_2X3)
    files["nul-padding"] = raw(dict_header().encode() + b"\0" * 4, F32_2X3)
    files["missing-shape"] = npy("{'descr': '<f4', 'fortran_order': False}",
                                 F32_2X3)
    files["extra-key"] = npy("{'descr': '<f4', 'fortran_order': False, "
                             "'shape': (2, 3), 'foo': 1}", F32_2X3)
    files["duplicate-key"] = npy("{'descr': '<f4', 'descr': '<f4', "
                                 "'fortran_order': False, 'shape': (2, 3)}",
                                 F32_2X3)
    files["utf8-key-v3"] = npy("{'d\u00e9scr': '<f4', 'fortran_order': False, "
                               "'shape': (2, 3)}", F32_2X3, version=3)
    files["fortran-not-bool"] = npy(dict_header(fortran="0"), F32_2X3)

    # The shape.
    files["shape-int"] = npy(dict_header(shape="6"), F32_2X3)
    files["shape-paren-int"] = npy(dict_header(shape="(6)"), F32_2X3)
    files["shape-list"] = npy(dict_header(shape="[2, 3]"), F32_2X3)
    files["shape-float"] = npy(dict_header(shape="(2.5, 3)"), F32_2X3)
    files["shape-empty-item"] = npy(dict_header(shape="(2, , 3)"), F32_2X3)
    files["negative-dim"] = npy(dict_header(shape="(-2, 3)"), F32_2X3)
    files["huge-dim"] = npy(dict_header(shape="(99999999999999999999,)"))
    files["rank-65"] = npy(dict_header(shape="(" + "1, " * 65 + ")"))
    files["overflow"] = npy(dict_header(shape="(2147483648, 2147483648, 2)"))
    files["overflow-bytes"] = npy(dict_header(shape="(4611686018427387904,)"))
    files["overflow-beside-0"] = npy(
        dict_header(shape="(0, 4611686018427387904)"))
    files["absurd"] = npy(dict_header(shape="(1099511627776, 1048576)"),
                          F32_2X3)

    # The dtype.
    files["big-endian-f4"] = save_bytes(np.zeros(3, dtype=">f4"))
    files["big-endian-i8"] = save_bytes(np.zeros(3, dtype=">i8"))
    files["no-byte-order"] = npy(dict_header(descr="'f4'"), F32_2X3)
    files["native-byte-order"] = npy(dict_header(descr="'=f4'"), F32_2X3)
    files["bool-byte-2"] = save_bytes(np.zeros(3, dtype=bool))[:-1] + b"\x02"
    files["float16"] = save_bytes(np.zeros(3, dtype=np.float16))
    files["uint16"] = save_bytes(np.zeros(3, dtype=np.uint16))
    files["complex64"] = save_bytes(np.zeros(3, dtype=np.complex64))
    objects = io.BytesIO()
    np.save(objects, np.array([1, "a"], dtype=object), allow_pickle=True)
    files["object"] = objects.getvalue()
    files["unicode"] = save_bytes(np.array(["ab", "c"]))
    files["datetime"] = save_bytes(np.array(["2020-01-01"],
                                            dtype="datetime64[D]"))
    files["structured"] = save_bytes(np.zeros(2, dtype=[("a", "<f4"),
                                                        ("b", "<i4")]))
    files["descr-not-string"] = npy(dict_header(descr="4"), F32_2X3)

    # The layout and the data.
    files["fortran-order"] = save_bytes(np.asfortranarray(
        np.zeros((2, 3), dtype=np.float32)))
    files["truncated"] = save_bytes(np.zeros((5, 5), dtype=np.float32))[:-40]
    files["truncated-scalar"] = save_bytes(np.float64(1))[:-1]
    files["trailing"] = save_bytes(np.zeros((2, 3), dtype=np.float32)) + \
        b"\0" * 8
    files["two-arrays"] = save_bytes(np.zeros(2, dtype=np.int8)) + \
        save_bytes(np.zeros(2, dtype=np.int8))

    for name, data in files.items():
        with open(name + ".npy", "wb") as f:
            f.write(data)


def variants(directory):
    os.chdir(directory)
    files = {}
    files["double-quotes"] = npy('{"descr": "<f4", "fortran_order": False, '
                                 '"shape": (2, 3)}', F32_2X3)
    files["reordered-compact"] = npy("{'shape':(2,3),'descr':'<f4',"
                                     "'fortran_order':False}", F32_2X3)
    files["whitespace"] = npy("  { 'descr' : '<f4' ,\n\t'fortran_order' :\r\n"
                              " False , 'shape' : ( 2 , 3 , ) , } ", F32_2X3)
    files["python2-long"] = npy(dict_header(shape="(2L, 3L)"), F32_2X3)
    files["align-16"] = npy(dict_header(), F32_2X3, align=16)
    files["no-padding"] = npy(dict_header(), F32_2X3, newline=False)
    files["v2"] = npy(dict_header(), F32_2X3, version=2)
    files["v3"] = npy(dict_header(), F32_2X3, version=3)
    files["i1-little"] = npy(dict_header(descr="'<i1'", shape="(2,)"),
                             b"\x80\x7f")
    files["u1-big"] = npy(dict_header(descr="'>u1'", shape="(2,)"),
                          b"\x00\xff")
    files["scalar"] = npy(dict_header(shape="()"), b"\0\0\x80\x3f")
    files["zero-size-large-dim"] = npy(
        dict_header(shape="(0, 1000000000000)"))
    files["plus-sign"] = npy(dict_header(shape="(+2, 3)"), F32_2X3)
    names = []
    for name, data in files.items():
        names.append(name + ".npy")
        with open(names[-1], "wb") as f:
            f.write(data)

    # numpy reads them all, and eqq-npy-tool reads them as numpy does.
    output = run_tool("print", *names).splitlines()
    for name, line in zip(names, output):
        expected = "%s: %s" % (name, describe(np.load(name)))
        if line != expected:
            fail("read mismatch:\n  got:      %s\n  expected: %s" %
                 (line, expected))
        print(line)


def killed(directory):
    os.chdir(directory)

    def limit_file_size():
        resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))

    env = dict(os.environ, LLVM_DISABLE_SYMBOLIZATION="1")
    result = subprocess.run([TOOL, "fill", "float32", "1000x1000", "out.npy"],
                            preexec_fn=limit_file_size, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if result.returncode < 0:
        print("killed by " + signal.Signals(-result.returncode).name)
    else:
        print("exit code %d" % result.returncode)


if __name__ == "__main__":
    modes = {"interop": interop, "corrupt": corrupt, "variants": variants,
             "killed": killed}
    if len(sys.argv) != 3 or sys.argv[1] not in modes:
        sys.exit(__doc__)
    modes[sys.argv[1]](sys.argv[2])
