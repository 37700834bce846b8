"""Prints "png WIDTHxHEIGHT" for a PNG file (signature, then the IHDR chunk);
exits 1 with a message for anything else."""
import struct
import sys

with open(sys.argv[1], "rb") as f:
    head = f.read(24)
if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
    sys.exit("%s: not a PNG file" % sys.argv[1])
width, height = struct.unpack(">II", head[16:24])
print("png %dx%d" % (width, height))
