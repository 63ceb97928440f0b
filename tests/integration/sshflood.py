"""Sending past the window, as a hostile peer does: paramiko's own send would
wait for window, so DATA packets go out by hand. Shared by channels.py (a
client) and rogue_sshd.py (a workspace's sshd)."""
import time

from paramiko.common import MSG_CHANNEL_CLOSE, cMSG_CHANNEL_DATA
from paramiko.message import Message


def ignore_close(t):
    """Makes transport t neither answer nor act on a CHANNEL_CLOSE, as a peer
    that goes on after one. Returns the list each closed channel is appended
    to."""
    closes = []
    t._channel_handler_table = dict(t._channel_handler_table)  # this connection's
    t._channel_handler_table[MSG_CHANNEL_CLOSE] = lambda ch, m: closes.append(ch)
    return closes


def flood(t, ch, total, deadline, after_close=False):
    """Sends up to total bytes of DATA on ch over transport t, ignoring the
    window, until time.monotonic() passes deadline, t ends, or (unless
    after_close) ch is closed; then, unless after_close, waits for the close
    until deadline. Returns the bytes sent."""
    m = Message()
    m.add_byte(cMSG_CHANNEL_DATA)
    m.add_int(ch.remote_chanid)
    m.add_string(b"x" * 30000)
    sent = 0
    try:
        while (sent < total and time.monotonic() < deadline and t.is_active() and
               (after_close or not ch.closed)):
            t._send_user_message(m)
            sent += 30000
    except (OSError, EOFError):
        pass  # the other side ended the connection
    while not after_close and not ch.closed and time.monotonic() < deadline:
        time.sleep(0.05)
    return sent
