#!/usr/bin/env python3
"""A workspace's sshd replaced by its root user, as t_rogue.sh installs it:
it takes the gateway's login (with the pinned host key, which root can
read) and then breaks the rules the gateway must not rely on. The command
of an exec channel says how:

  rogue-hello     prints "rogue here"
  rogue-opens     opens channels towards the gateway nobody asked for
                  (session, direct-tcpip, x11, agent, forwarded-tcpip), 40
                  of each, and prints how many the gateway refused
  rogue-flood     sends up to 64 MiB on the channel past its window
  rogue-bye       disconnects with a message holding a newline and an
                  escape sequence, shaped like a gateway log line

Listens on port 22 (it runs as the container's process 1). Uses paramiko.
"""
import socket
import threading
import time

import paramiko
from paramiko.common import cMSG_DISCONNECT
from paramiko.message import Message
from sshflood import flood, ignore_close

HOST_KEY = paramiko.Ed25519Key(filename="/etc/ssh/ssh_host_ed25519_key")
# A newline, an escape sequence, LINE SEPARATOR (U+2028) and 8-bit CSI (U+009B).
FORGED = "bye\n2026-01-01T00:00:00.000Z wsgate[1] info: ROGUE-FORGED\x1b[31m\u2028\x9b"


class Server(paramiko.ServerInterface):
    def __init__(self):
        self.cmds = {}
        self.lock = threading.Condition()

    def get_allowed_auths(self, username):
        return "publickey"

    def check_auth_publickey(self, username, key):
        return paramiko.AUTH_SUCCESSFUL

    def check_channel_request(self, kind, chanid):
        return paramiko.OPEN_SUCCEEDED

    def check_channel_exec_request(self, channel, command):
        with self.lock:
            self.cmds[channel.get_id()] = command.decode(errors="replace")
            self.lock.notify_all()
        return True

    def check_channel_env_request(self, channel, name, value):
        return True

    def command(self, channel, timeout):
        with self.lock:
            self.lock.wait_for(lambda: channel.get_id() in self.cmds, timeout)
            return self.cmds.get(channel.get_id())


def opens(t):
    kinds = [("session", None, None), ("direct-tcpip", ("127.0.0.1", 22), ("127.0.0.1", 1)),
             ("x11", None, ("127.0.0.1", 6010)), ("auth-agent@openssh.com", None, None),
             ("forwarded-tcpip", ("127.0.0.1", 4444), ("127.0.0.1", 5555))]
    refused = total = 0
    for _ in range(40):
        for kind, dest, src in kinds:
            total += 1
            try:
                ch = t.open_channel(kind, dest_addr=dest, src_addr=src, timeout=10)
                ch.close()
            except (paramiko.ChannelException, paramiko.SSHException):
                refused += 1
    return f"refused {refused} of {total}\n"


def run(t, srv, ch):
    cmd = srv.command(ch, 30)
    if cmd == "rogue-hello":
        ch.sendall(b"rogue here\n")
    elif cmd == "rogue-opens":
        ch.sendall(opens(t).encode())
    elif cmd == "rogue-flood":
        flood(t, ch, 64 << 20, time.monotonic() + 60)
        return
    elif cmd == "rogue-tiny":
        # Channels opened from now on get a maximum packet size of 10.
        t.default_max_packet_size = 10
        ch.sendall(b"packets of 10 from now on\n")
    elif cmd == "rogue-sink":
        while ch.recv(65536):
            pass
    elif cmd == "rogue-zombie":
        # Past the window, then on after the gateway's CLOSE, never answered.
        ignore_close(t)
        flood(t, ch, 64 << 20, time.monotonic() + 30, after_close=True)
        return
    elif cmd == "rogue-bye":
        m = Message()
        m.add_byte(cMSG_DISCONNECT)
        m.add_int(11)
        m.add_string(FORGED)
        m.add_string("")
        t._send_user_message(m)
        time.sleep(1)
        t.close()
        return
    ch.send_exit_status(0)
    ch.shutdown_write()
    ch.close()


def serve(sock):
    t = paramiko.Transport(sock)
    t.add_server_key(HOST_KEY)
    srv = Server()
    try:
        t.start_server(server=srv)
        while t.is_active():
            ch = t.accept(1)
            if ch is not None:
                threading.Thread(target=run, args=(t, srv, ch), daemon=True).start()
    except Exception:  # a rogue does not care; the gateway's side is tested
        pass
    finally:
        t.close()


def main():
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", 22))
    ls.listen(16)
    while True:
        sock, _ = ls.accept()
        threading.Thread(target=serve, args=(sock,), daemon=True).start()


if __name__ == "__main__":
    main()
