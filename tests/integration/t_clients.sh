#!/bin/bash
# Clients other than OpenSSH, each from Debian's packages: a command with its
# exit code, a file both ways and, where the client can, a forwarded port.
# PuTTY (plink, pscp, psftp), dropbear's dbclient, paramiko, asyncssh.
. "$(dirname "$0")/lib.sh"
PY=/usr/bin/python3   # Debian's, where python3-paramiko/-asyncssh live
gw_start main
W=$RUN-clients
# A web server in the workspace, on its loopback; "up" once it answers.
out=$(wssh "$W" 'mkdir -p www && echo hello-web > www/index.html && cd www;
    setsid nohup python3 -m http.server 8766 --bind 127.0.0.1 >/dev/null 2>&1 < /dev/null &
    for i in $(seq 100); do python3 -c "import urllib.request; urllib.request.urlopen(\"http://127.0.0.1:8766/\", timeout=2)" 2>/dev/null && break; sleep 0.1; done
    python3 -c "import urllib.request; print(urllib.request.urlopen(\"http://127.0.0.1:8766/\", timeout=5).read().decode().strip())"')
check "a web server runs in the workspace" is "$out" hello-web
head -c 3M /dev/urandom > "$T/payload"
want=$(sha256sum < "$T/payload" | cut -c1-64)
remote_sum() { wssh "$W" "sha256sum < $1" | cut -c1-64; }
fp=$(ssh-keygen -y -f "$T/host_key" | ssh-keygen -lf - | awk '{print $2}')

# PuTTY
puttygen "$T/id" -O private -o "$T/id.ppk" 2>/dev/null
P=(-batch -i "$T/id.ppk" -hostkey "$fp" -P "$GW_PORT" -l "$W")
timeout 60 plink "${P[@]}" 127.0.0.1 'echo plink-ok; exit 5' > "$T/out" 2>&1; rc=$?
check "plink: exit code 5 ($rc)" [ "$rc" = 5 ]
check "plink: output" contains "$T/out" plink-ok
timeout 60 pscp -q "${P[@]}" "$T/payload" "127.0.0.1:p.pscp"
check "pscp: upload" is "$(remote_sum p.pscp)" "$want"
timeout 60 pscp -q "${P[@]}" "127.0.0.1:p.pscp" "$T/back.pscp"
check "pscp: download" is "$(sha256sum < "$T/back.pscp" | cut -c1-64)" "$want"
printf 'put %s p.psftp\nget p.psftp %s\n' "$T/payload" "$T/back.psftp" > "$T/psftp.batch"
timeout 60 psftp "${P[@]}" -b "$T/psftp.batch" 127.0.0.1 >/dev/null 2>&1
check "psftp: put and get" is "$(sha256sum < "$T/back.psftp" | cut -c1-64)" "$want"
# A forward in the background: ended (and waited for) by this test.
lp=$(free_port)
timeout 60 plink "${P[@]}" -N -L "$lp:127.0.0.1:8766" 127.0.0.1 >"$T/plink-L.log" 2>&1 &
fw=$!
bg_pid "$fw"
check "plink -L: the local port listens" wait_until 30 listening "$lp"
check "plink -L: forwarded port" is "$(curl -s --max-time 10 "http://127.0.0.1:$lp/")" hello-web
kill "$fw" 2>/dev/null; wait "$fw" 2>/dev/null

# dropbear
dropbearconvert openssh dropbear "$T/id" "$T/id.db" >/dev/null 2>&1
D=(-y -y -i "$T/id.db" -p "$GW_PORT")
timeout 60 dbclient "${D[@]}" "$W@127.0.0.1" 'echo db-ok; exit 6' > "$T/out" 2>/dev/null; rc=$?
check "dbclient: exit code 6 ($rc)" [ "$rc" = 6 ]
check "dbclient: output" contains "$T/out" db-ok
timeout 60 dbclient "${D[@]}" "$W@127.0.0.1" 'cat > p.db' < "$T/payload" 2>/dev/null
check "dbclient: file up" is "$(remote_sum p.db)" "$want"
timeout 60 dbclient "${D[@]}" "$W@127.0.0.1" 'cat p.db' > "$T/back.db" 2>/dev/null
check "dbclient: file down" is "$(sha256sum < "$T/back.db" | cut -c1-64)" "$want"
lp=$(free_port)
timeout 60 dbclient "${D[@]}" -N -L "$lp:127.0.0.1:8766" "$W@127.0.0.1" >"$T/dbclient-L.log" 2>&1 </dev/null &
fw=$!
bg_pid "$fw"
check "dbclient -L: the local port listens" wait_until 30 listening "$lp"
check "dbclient -L: forwarded port" is "$(curl -s --max-time 10 "http://127.0.0.1:$lp/")" hello-web
kill "$fw" 2>/dev/null; wait "$fw" 2>/dev/null

# paramiko
timeout 120 "$PY" - "$GW_PORT" "$W" "$T" > "$T/paramiko.out" 2>&1 <<'PY'
import sys, paramiko, hashlib
port, user, t = int(sys.argv[1]), sys.argv[2], sys.argv[3]
c = paramiko.SSHClient(); c.set_missing_host_key_policy(paramiko.AutoAddPolicy())
c.connect("127.0.0.1", port=port, username=user, key_filename=t + "/id", look_for_keys=False, allow_agent=False)
_, out, _ = c.exec_command("echo pm-ok; exit 7")
print("output", out.read().decode().strip(), "exit", out.channel.recv_exit_status())
sftp = c.open_sftp(); sftp.put(t + "/payload", "p.pm"); sftp.get("p.pm", t + "/back.pm")
print("sftp", hashlib.sha256(open(t + "/back.pm", "rb").read()).hexdigest())
ch = c.get_transport().open_channel("direct-tcpip", ("127.0.0.1", 8766), ("127.0.0.1", 0))
ch.sendall(b"GET / HTTP/1.0\r\n\r\n"); data = b""
while True:
    d = ch.recv(4096)
    if not d: break
    data += d
print("forward", "hello-web" in data.decode())
# An unknown global request that wants a reply gets a failure, not a hang,
# and the connection lives on (paramiko also returns None when it died).
tr = c.get_transport()
r = tr.global_request("no-such-request@example.com", wait=True)
_, o, _ = c.exec_command("echo after-global")
print("unknown-global", r, tr.is_active(), o.read().decode().strip())
c.close()
PY
check "paramiko: exec with exit code" contains "$T/paramiko.out" "output pm-ok exit 7"
check "paramiko: sftp both ways" contains "$T/paramiko.out" "sftp $want"
check "paramiko: direct-tcpip" contains "$T/paramiko.out" "forward True"
check "unknown global request answered with failure; the connection lives on" \
    contains "$T/paramiko.out" "unknown-global None True after-global"

# asyncssh
timeout 120 "$PY" - "$GW_PORT" "$W" "$T" > "$T/asyncssh.out" 2>&1 <<'PY'
import asyncio, sys, hashlib, asyncssh
port, user, t = int(sys.argv[1]), sys.argv[2], sys.argv[3]
async def main():
    async with asyncssh.connect("127.0.0.1", port=port, username=user, client_keys=[t + "/id"],
                                known_hosts=None, agent_path=None) as c:
        r = await c.run("echo as-ok; exit 8")
        print("output", r.stdout.strip(), "exit", r.exit_status)
        async with c.start_sftp_client() as sftp:
            await sftp.put(t + "/payload", "p.as"); await sftp.get("p.as", t + "/back.as")
        print("sftp", hashlib.sha256(open(t + "/back.as", "rb").read()).hexdigest())
        listener = await c.forward_local_port("127.0.0.1", 0, "127.0.0.1", 8766)
        reader, writer = await asyncio.open_connection("127.0.0.1", listener.get_port())
        writer.write(b"GET / HTTP/1.0\r\n\r\n"); data = await reader.read()
        print("forward", "hello-web" in data.decode())
        listener.close()
        # A signal from the client reaches the workspace's process.
        proc = await c.create_process('trap "echo got-usr1; exit 0" USR1; echo ready; while :; do sleep 0.1; done')
        await proc.stdout.readline()
        proc.send_signal("USR1")
        print("signal", (await proc.stdout.readline()).strip(), "exit", await proc.wait_closed() or proc.exit_status)
asyncio.run(main())
PY
check "asyncssh: run with exit code" contains "$T/asyncssh.out" "output as-ok exit 8"
check "asyncssh: sftp both ways" contains "$T/asyncssh.out" "sftp $want"
check "asyncssh: forwarded port" contains "$T/asyncssh.out" "forward True"
check "asyncssh: a signal reaches the workspace's process" contains "$T/asyncssh.out" "signal got-usr1 exit 0"
finish
