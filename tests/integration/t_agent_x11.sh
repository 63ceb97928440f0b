#!/bin/bash
# Agent forwarding (ssh -A): the workspace sees the client's keys and can log
# in elsewhere with them. X11 forwarding (ssh -X): DISPLAY and xauth are set
# up, and an X connection made in the workspace reaches the client's X server.
. "$(dirname "$0")/lib.sh"
gw_start main
W=$RUN-agent
wssh "$W" true

eval "$(ssh-agent -s)" >/dev/null
trap 'ssh-agent -k >/dev/null 2>&1; cleanup' EXIT
ssh-add -q "$T/stranger"
fp=$(ssh-keygen -lf "$T/stranger.pub" | awk '{print $2}')
out=$(wssh "$W" -A 'ssh-add -l' 2>&1)
check "ssh -A: ssh-add -l in the workspace lists the client's key" grep -qF "$fp" <<< "$out"
out=$(wssh "$W" 'ssh-add -l' 2>&1)
check "without -A the workspace has no agent" grep -q "Could not open a connection\|Error connecting to agent" <<< "$out"
# Use the forwarded key: the workspace logs in to its own sshd with it.
wssh "$W" "mkdir -p ~/.ssh && cat >> ~/.ssh/authorized_keys" < "$T/stranger.pub"
out=$(wssh "$W" -A 'ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes localhost echo via-agent' 2>/dev/null)
check "ssh from the workspace authenticates with the forwarded key" [ "$out" = via-agent ]

# X11: a stand-in X server on the client (display :$d) answers one
# connection; in the workspace a client sends a real X11 setup packet with the
# cookie sshd stored (OpenSSH checks it and swaps in the client's own).
d=$(( ($(od -An -N1 -tu1 /dev/urandom) % 50) + 40 ))
mkdir -p /tmp/.X11-unix
rm -f "/tmp/.X11-unix/X$d"
python3 - "$d" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind("/tmp/.X11-unix/X%s" % sys.argv[1]); s.listen(1); s.settimeout(30)
c, _ = s.accept(); c.recv(100); c.sendall(b"x11-reply"); c.close()
PY
xs=$!
sleep 0.5
cat > "$T/xclient.py" <<'PY'
import os, socket, struct, subprocess
disp = os.environ["DISPLAY"]
print("display=" + disp)
line = subprocess.run(["xauth", "list", disp], capture_output=True, text=True).stdout.split()
name, cookie = line[1].encode(), bytes.fromhex(line[2])
pad = lambda b: b + b"\0" * ((4 - len(b) % 4) % 4)
pkt = struct.pack("<cxHHHHxx", b"l", 11, 0, len(name), len(cookie)) + pad(name) + pad(cookie)
s = socket.create_connection(("127.0.0.1", 6000 + int(disp.split(":")[1].split(".")[0])))
s.settimeout(20)
s.sendall(pkt)
print(s.recv(100).decode(errors="replace"))
PY
out=$(DISPLAY=":$d" wssh "$W" -X 'python3 -' < "$T/xclient.py" 2>&1)
check "ssh -X: DISPLAY set in the workspace" grep -q "display=localhost:[0-9]" <<< "$out"
check "ssh -X: X connection from the workspace reaches the client's X server" grep -q "x11-reply" <<< "$out"
kill $xs 2>/dev/null; rm -f "/tmp/.X11-unix/X$d"
finish
