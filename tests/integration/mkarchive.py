#!/usr/bin/env python3
"""mkarchive.py OUT_A OUT_B HEADER_JSON PART=TARFILE...: a wsgate backup built
by hand, as a hostile client would (every sum its own), written as two zstd
frames in two files: A (header and parts) and B (manifest and the tar's end),
so a test can hold the stream between them."""
import hashlib, json, subprocess, sys, time

CHUNK = 4 * 1024 * 1024

def member(name, data):
    h = bytearray(512)
    h[0:len(name)] = name.encode()
    h[100:108] = b"0000644\0"
    h[108:116] = b"0000000\0"
    h[116:124] = b"0000000\0"
    h[124:136] = b"%011o\0" % len(data)
    h[136:148] = b"%011o\0" % int(time.time())
    h[156] = ord("0")
    h[257:263] = b"ustar\0"
    h[263:265] = b"00"
    h[148:156] = b" " * 8
    h[148:156] = b"%06o\0 " % sum(h)
    pad = (512 - len(data) % 512) % 512
    return bytes(h) + data + b"\0" * pad

def zstd(b):
    return subprocess.run(["zstd", "-q", "-c", "-1"], input=b, stdout=subprocess.PIPE, check=True).stdout

out_a, out_b, hdr = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
hdr.setdefault("format", "wsgate-backup")
hdr.setdefault("version", 1)
hj = json.dumps(hdr).encode()
a = member("wsgate-backup.json", hj)
parts = []
for spec in sys.argv[4:]:
    name, path = spec.split("=", 1)
    data = open(path, "rb").read()
    chunks = [data[i:i + CHUNK] for i in range(0, len(data), CHUNK)]
    for i, c in enumerate(chunks):
        a += member("%s.tar.%06d" % (name, i), c)
    parts.append({"name": name, "bytes": len(data), "chunks": len(chunks),
                  "sha256": hashlib.sha256(data).hexdigest()})
man = {"format": "wsgate-backup", "version": 1, "header_sha256": hashlib.sha256(hj).hexdigest(), "parts": parts}
b = member("manifest.json", json.dumps(man).encode()) + b"\0" * 1024
open(out_a, "wb").write(zstd(a))
open(out_b, "wb").write(zstd(b))
