"""Sending past the window, as a hostile peer does: paramiko's own send would
wait for window, so DATA packets go out by hand. Shared by channels.py (a
client) and rogue_sshd.py (a workspace's sshd)."""
import time

from paramiko.common import cMSG_CHANNEL_DATA
from paramiko.message import Message


def flood(t, ch, total, deadline):
    """Sends up to total bytes of DATA on ch over transport t, ignoring the
    window, until ch is closed or time.monotonic() passes deadline; then
    waits for the close until deadline. Returns the bytes sent."""
    chunk = b"x" * 30000
    sent = 0
    while sent < total and not ch.closed and time.monotonic() < deadline:
        m = Message()
        m.add_byte(cMSG_CHANNEL_DATA)
        m.add_int(ch.remote_chanid)
        m.add_string(chunk)
        t._send_user_message(m)
        sent += len(chunk)
    while not ch.closed and time.monotonic() < deadline:
        time.sleep(0.05)
    return sent
