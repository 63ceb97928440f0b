#!/bin/bash
# Agent forwarding (ssh -A): the workspace sees the client's keys and can log
# in elsewhere with them. X11 forwarding (ssh -X): DISPLAY and xauth are set
# up, and an X connection made in the workspace reaches the client's X server.
. "$(dirname "$0")/lib.sh"
gw_start main
W=$RUN-agent
check "the workspace is up" is "$(wssh "$W" echo in)" in
# gone PID: the process has ended (a zombie counts as ended).
gone() { ! kill -0 "$1" 2>/dev/null || grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }

# The agent is a daemon of this test: ended (and waited for) at cleanup, by
# its pid, without replacing lib.sh's own EXIT handling.
eval "$(ssh-agent -s)" >/dev/null
check "an ssh-agent runs for the test (${SSH_AGENT_PID:-none})" eval '[ -n "${SSH_AGENT_PID:-}" ] && kill -0 "$SSH_AGENT_PID"'
on_exit "kill $SSH_AGENT_PID; wait_until 5 gone $SSH_AGENT_PID"
ssh-add -q "$T/stranger"
fp=$(ssh-keygen -lf "$T/stranger.pub" | awk '{print $2}')
out=$(wssh "$W" -A 'ssh-add -l' 2>&1)
check "ssh -A: ssh-add -l in the workspace lists the client's key" grep -qF "$fp" <<< "$out"
# Without -A there is no agent socket at all (a socket that does not answer
# would be the gateway asking for forwarding on its own).
check "without -A the workspace has no agent" is "$(wssh "$W" 'echo "sock=${SSH_AUTH_SOCK-unset}"')" sock=unset
# Use the forwarded key: the workspace logs in to its own sshd with it.
wssh "$W" "mkdir -p ~/.ssh && cat >> ~/.ssh/authorized_keys" < "$T/stranger.pub"
out=$(wssh "$W" -A 'ssh -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes localhost echo via-agent' 2>/dev/null)
check "ssh from the workspace authenticates with the forwarded key" is "$out" via-agent

# X11: a stand-in X server on the client (display :$d) answers one
# connection; in the workspace a client sends a real X11 setup packet with the
# cookie sshd stored (OpenSSH checks it and swaps in the client's own).
# The display is one nobody uses: its socket is ours to remove.
d=$(( ($(od -An -N1 -tu1 /dev/urandom) % 50) + 40 ))
mkdir -p /tmp/.X11-unix
while [ -e "/tmp/.X11-unix/X$d" ] || [ -e "/tmp/.X$d-lock" ]; do d=$((d + 1)); done
on_exit "rm -f /tmp/.X11-unix/X$d"
python3 - "$d" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind("/tmp/.X11-unix/X%s" % sys.argv[1]); s.listen(1); s.settimeout(60)
c, _ = s.accept(); c.recv(100); c.sendall(b"x11-reply"); c.close()
PY
xs=$!
bg_pid "$xs"
check "the stand-in X server listens on :$d" wait_until 10 test -S "/tmp/.X11-unix/X$d"
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
check "ssh -X: DISPLAY set in the workspace" grep -q "^display=localhost:[0-9]" <<< "$out"
# Only the stand-in sends "x11-reply"; the script's text does not hold it.
check "ssh -X: X connection from the workspace reaches the client's X server" grep -qx "x11-reply" <<< "$out"
check "the stand-in X server served that connection and ended" wait_until 10 gone "$xs"
finish
