#!/usr/bin/env python3
"""An echo server for the many-tunnels load (t_channels.sh, bench/channels.sh):
run in the workspace on 127.0.0.1:PORT; it sends back each connection's
bytes until that connection's EOF."""
import socketserver
import sys


class Echo(socketserver.BaseRequestHandler):
    def handle(self):
        while True:
            d = self.request.recv(65536)
            if not d:
                break
            self.request.sendall(d)


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 256  # 100 tunnels connect at once


if __name__ == "__main__":
    Server(("127.0.0.1", int(sys.argv[1])), Echo).serve_forever()
