#!/usr/bin/python3
"""A site's authentication endpoint, for the tests: a small HTTP server.

Usage: authd.py PORTFILE LOGFILE RULES.json
RULES: {"passwords": {"ACCOUNT": "PASSWORD"}, "keys": {"SHA256:...": "ACCOUNT"},
        "groups": {"ACCOUNT": ["GROUP"]}}
Each request body is appended to LOGFILE as one JSON line. It listens on a
free loopback port, written to PORTFILE, and exits after 300 s.
"""
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

portfile, logfile, rulesfile = sys.argv[1:4]
rules = json.load(open(rulesfile))


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(logfile, "a") as f:
            f.write(body.decode() + "\n")
        req = json.loads(body)
        account = None
        if req.get("method") in ("password", "keyboard-interactive"):
            for acc, pw in rules.get("passwords", {}).items():
                if req.get("password") == pw and req.get("account") in (None, acc):
                    account = acc
        elif req.get("method") == "publickey":
            account = rules.get("keys", {}).get(req.get("key_fingerprint"))
        if req.get("workspace") == "garbage":
            out = b"{not json"
        elif account:
            out = json.dumps({"allow": True, "account": account,
                              "groups": rules.get("groups", {}).get(account, [])}).encode()
        else:
            out = json.dumps({"allow": False}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args):
        pass


srv = HTTPServer(("127.0.0.1", 0), Handler)
with open(portfile + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os
os.rename(portfile + ".tmp", portfile)
threading.Timer(300, srv.shutdown).start()
srv.serve_forever()
