"""A client that starts keyboard-interactive logins and never answers one:
each new request abandons the conversation the last one opened (a PAM
helper the gateway forked for it). Sends up to N requests, each once the
last was answered, and prints "infos=K closed=yes|no", then the banners
(the gateway's lines to the person), one per line.

usage: kbdflood.py PORT USER N"""
import sys
import time

import paramiko
from paramiko.common import (MSG_SERVICE_ACCEPT, MSG_USERAUTH_BANNER, MSG_USERAUTH_FAILURE,
                             MSG_USERAUTH_INFO_REQUEST, cMSG_SERVICE_REQUEST,
                             cMSG_USERAUTH_REQUEST)
from paramiko.message import Message

port, user, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
seen = {"accept": 0, "info": 0, "failure": 0}


def on(kind):
    def handler(t, m):
        seen[kind] += 1
    return handler


t = paramiko.Transport(("127.0.0.1", port))
t.start_client(timeout=20)
t._handler_table = dict(t._handler_table)  # this connection's
t._handler_table[MSG_SERVICE_ACCEPT] = on("accept")
t._handler_table[MSG_USERAUTH_INFO_REQUEST] = on("info")
t._handler_table[MSG_USERAUTH_FAILURE] = on("failure")
banners = []
t._handler_table[MSG_USERAUTH_BANNER] = lambda t, m: banners.append(m.get_text())


def wait_for(cond, limit=15):
    end = time.monotonic() + limit
    while not cond() and t.is_active() and time.monotonic() < end:
        time.sleep(0.02)
    return cond()


m = Message()
m.add_byte(cMSG_SERVICE_REQUEST)
m.add_string("ssh-userauth")
t._send_message(m)
wait_for(lambda: seen["accept"] == 1)
for i in range(n):
    if not t.is_active():
        break
    answered = seen["info"] + seen["failure"]
    m = Message()
    m.add_byte(cMSG_USERAUTH_REQUEST)
    m.add_string(user)
    m.add_string("ssh-connection")
    m.add_string("keyboard-interactive")
    m.add_string("")
    m.add_string("")
    try:
        t._send_message(m)
    except (OSError, EOFError):
        break
    wait_for(lambda: seen["info"] + seen["failure"] > answered)
# The gateway ends the connection right after its last answer.
wait_for(lambda: False, 5) if t.is_active() else None
print("infos=%d closed=%s" % (seen["info"], "no" if t.is_active() else "yes"))
for b in banners:
    print(b.rstrip("\n"))
sys.stdout.flush()
t.close()
