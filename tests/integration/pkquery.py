"""A client that asks, again and again, whether a key would do (publickey
without a signature, which a good key answers with PK_OK), one request
after the other's answer, and never signs. Prints "pk_ok=K closed=yes|no",
then the banners (the gateway's lines to the person), one per line.

usage: pkquery.py PORT USER KEYFILE N"""
import sys

import paramiko

from rawauth import RawAuth

port, user, keyfile, n = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
key = paramiko.Ed25519Key.from_private_key_file(keyfile)
c = RawAuth(port)
c.service()
for i in range(n):
    if not c.ask(user, "publickey", False, key.get_name(), key.asbytes()):
        break
c.finish("pk_ok")
