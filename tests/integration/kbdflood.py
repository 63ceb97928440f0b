"""A client that starts keyboard-interactive logins and never answers one:
each new request abandons the conversation the last one opened (a PAM
helper the gateway forked for it). Sends up to N requests, each once the
last was answered, and prints "infos=K closed=yes|no", then the banners
(the gateway's lines to the person), one per line.

usage: kbdflood.py PORT USER N"""
import sys

from rawauth import RawAuth

port, user, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
c = RawAuth(port)
c.service()
for i in range(n):
    if not c.ask(user, "keyboard-interactive", "", "") and not c.t.is_active():
        break
c.finish("infos")
