"""A paramiko transport driven below its API, for clients that misbehave
while authenticating (kbdflood.py, pkquery.py): it counts the answers it
gets by kind and keeps the gateway's banners."""
import time

import paramiko
from paramiko.common import (MSG_SERVICE_ACCEPT, MSG_USERAUTH_BANNER, MSG_USERAUTH_FAILURE,
                             MSG_USERAUTH_INFO_REQUEST, MSG_USERAUTH_SUCCESS,
                             cMSG_SERVICE_REQUEST, cMSG_USERAUTH_REQUEST)
from paramiko.message import Message

# MSG_USERAUTH_PK_OK shares its number with INFO_REQUEST (60): what it means
# depends on the method asked for.
KINDS = {"accept": MSG_SERVICE_ACCEPT, "failure": MSG_USERAUTH_FAILURE,
         "answer60": MSG_USERAUTH_INFO_REQUEST, "success": MSG_USERAUTH_SUCCESS}


class RawAuth:
    def __init__(self, port):
        self.seen = {k: 0 for k in KINDS}
        self.banners = []
        self.t = paramiko.Transport(("127.0.0.1", port))
        self.t.start_client(timeout=20)
        self.t._handler_table = dict(self.t._handler_table)  # this connection's
        for kind, num in KINDS.items():
            self.t._handler_table[num] = self._count(kind)
        self.t._handler_table[MSG_USERAUTH_BANNER] = lambda t, m: self.banners.append(m.get_text())

    def _count(self, kind):
        def handler(t, m):
            self.seen[kind] += 1
        return handler

    def wait_for(self, cond, limit=15):
        end = time.monotonic() + limit
        while not cond() and self.t.is_active() and time.monotonic() < end:
            time.sleep(0.02)
        return cond()

    def service(self):
        m = Message()
        m.add_byte(cMSG_SERVICE_REQUEST)
        m.add_string("ssh-userauth")
        self.t._send_message(m)
        self.wait_for(lambda: self.seen["accept"] == 1)

    def ask(self, user, method, *fields):
        """Sends one USERAUTH_REQUEST (fields: str, bytes or bool) and waits
        for its answer. Returns False once the connection is gone, or logged
        in (which none of these clients should ever be)."""
        if not self.t.is_active() or self.seen["success"]:
            return False
        answered = self.answers()
        m = Message()
        m.add_byte(cMSG_USERAUTH_REQUEST)
        m.add_string(user)
        m.add_string("ssh-connection")
        m.add_string(method)
        for f in fields:
            if isinstance(f, bool):
                m.add_boolean(f)
            else:
                m.add_string(f)
        try:
            self.t._send_message(m)
        except (OSError, EOFError):
            return False
        return self.wait_for(lambda: self.answers() > answered)

    def answers(self):
        return self.seen["answer60"] + self.seen["failure"] + self.seen["success"]

    def finish(self, counted):
        """Waits (5 s at most) for the gateway to end the connection, then
        prints "COUNTED=K closed=yes|no" and the banners, one per line."""
        self.wait_for(lambda: not self.t.is_active(), 5)
        print("%s=%d closed=%s" % (counted, self.seen["answer60"],
                                   "no" if self.t.is_active() else "yes"))
        for b in self.banners:
            print(b.rstrip("\n"))
        self.t.close()
