#!/usr/bin/env python3
"""Many channels on one connection, and peers that break the rules, as real
client libraries do it (asyncssh, paramiko). Used by t_channels.sh.

Each mode prints one line per finding and ends with "ok ..." on success;
any other ending (an exception, a timeout) is a failure the caller sees.

  runs PORT USER KEY ROUNDS          20 conn.run() at once, ROUNDS times
  load PORT USER KEY ECHOPORT SHA [JUMPPORT]
                                     a 200 MiB cat on one channel while 10
                                     execs and 100 direct-tcpip run beside it
                                     (through a jump host when given)
  cap PORT USER KEY N                N sessions open, the next refused, then
                                     room again once one closes
  close PORT USER KEY                DATA, EOF, CLOSE sent while the
                                     workspace's window is full
  noread PORT USER KEY CMD           runs CMD and reads nothing (t_rogue)
  overrun PORT USER KEY              DATA far past the window given: the
                                     connection must end
  wsends PORT USER KEY CMD           reads nothing while the workspace floods:
                                     the connection must end, the person told
"""
import asyncio
import hashlib
import os
import sys
import time


async def a_connect(port, user, key, jump=None):
    """Connects as user; through an OpenSSH jump host (root@127.0.0.1:jump)
    when jump is given, as ProxyJump does."""
    import asyncssh
    tunnel = None
    if jump:
        tunnel = await asyncssh.connect("127.0.0.1", port=int(jump), username="root",
                                        client_keys=[key], known_hosts=None)
    return await asyncssh.connect("127.0.0.1", port=int(port), username=user,
                                  client_keys=[key], known_hosts=None, tunnel=tunnel)


async def runs(port, user, key, rounds):
    async with await a_connect(port, user, key) as conn:
        for r in range(int(rounds)):
            jobs = [conn.run(f"echo p{i}; exit {i}") for i in range(20)]
            res = await asyncio.wait_for(asyncio.gather(*jobs), 30)
            for i, x in enumerate(res):
                if x.stdout != f"p{i}\n" or x.exit_status != i:
                    print(f"round {r} run {i}: stdout {x.stdout!r} exit {x.exit_status}")
                    return 1
    print(f"ok {rounds} rounds of 20 runs at once, each with its output and exit status")
    return 0


async def tunnel(conn, port, i):
    data = os.urandom(65536 + i)
    reader, writer = await conn.open_connection("127.0.0.1", int(port))
    writer.write(data)
    writer.write_eof()
    got = b""
    while True:
        chunk = await reader.read(65536)
        if not chunk:
            break
        got += chunk
    writer.close()
    return got == data


async def big(conn, sha):
    proc = await conn.create_process("cat big", encoding=None)
    h, n = hashlib.sha256(), 0
    while True:
        chunk = await proc.stdout.read(1 << 20)
        if not chunk:
            break
        h.update(chunk)
        n += len(chunk)
    await proc.wait()
    return h.hexdigest() == sha, n


async def load(port, user, key, echo_port, sha, jump=None):
    async with await a_connect(port, user, key, jump) as conn:
        t0 = time.monotonic()
        transfer = asyncio.ensure_future(big(conn, sha))
        await asyncio.sleep(0)  # the transfer's channel opens first
        execs = [conn.run(f"echo e{i}; exit {i % 5}") for i in range(10)]
        tunnels = [tunnel(conn, echo_port, i) for i in range(100)]
        res = await asyncio.wait_for(asyncio.gather(*execs, *tunnels), 120)
        bad_exec = [i for i, x in enumerate(res[:10])
                    if x.stdout != f"e{i}\n" or x.exit_status != i % 5]
        bad_tun = [i for i, ok in enumerate(res[10:]) if not ok]
        same, n = await asyncio.wait_for(transfer, 300)
        print(f"execs wrong: {bad_exec}; tunnels wrong: {bad_tun}; "
              f"transfer {n} bytes, sha256 {'matches' if same else 'differs'}; "
              f"{time.monotonic() - t0:.2f} s")
        if bad_exec or bad_tun or not same:
            return 1
    print("ok 10 execs and 100 tunnels beside a 200 MiB transfer, all exact")
    return 0


async def cap(port, user, key, n):
    import asyncssh
    n = int(n)
    async with await a_connect(port, user, key) as conn:
        procs = [await conn.create_process("sleep 20") for _ in range(n)]
        try:
            await asyncio.wait_for(conn.create_process("echo one-too-many"), 20)
            print(f"channel {n + 1} was opened past max_channels = {n}")
            return 1
        except asyncssh.ChannelOpenError as e:
            print(f"channel {n + 1} refused: {e.reason}")
        procs[0].terminate()
        procs[0].close()
        await procs[0].wait_closed()
        res = await asyncio.wait_for(conn.run("echo room-again"), 20)
        print(f"after one closed: {res.stdout.strip()}")
        if res.stdout != "room-again\n":
            return 1
    print(f"ok max_channels = {n} holds, and frees with a close")
    return 0


async def rcap(port, user, key, n, rport):
    """max_channels = n also bounds what the client did ask for: the
    workspace's connections to an active -R port beyond the cap are refused
    by the gateway, and a closed channel makes room again."""
    n, rport = int(n), int(rport)
    accepted = 0

    async def echo(reader, writer):
        nonlocal accepted
        accepted += 1
        while data := await reader.read(4096):
            writer.write(data)
        writer.close()

    async with await a_connect(port, user, key) as conn:
        await conn.start_server(lambda host, port: echo, "127.0.0.1", rport)
        # One slot is the session that holds the connections: n - 1 are left.
        # Each held connection then says whether it was carried (an echo) or
        # refused (closed by the workspace's sshd).
        hold = (f"trap '' PIPE; fds=; for i in $(seq {n + 4}); do "
                f"exec {{fd}}<>/dev/tcp/127.0.0.1/{rport} || exit 1; fds=\"$fds $fd\"; done; "
                "ok=0; no=0; for fd in $fds; do echo ping >&$fd 2>/dev/null; "
                "if read -t 10 -u $fd line && [ \"$line\" = ping ]; then ok=$((ok + 1)); "
                "else no=$((no + 1)); fi; done; echo \"echoed $ok refused $no\"")
        res = await asyncio.wait_for(conn.run(hold), 60)
        print(f"{n + 4} connections to the -R port at once: {res.stdout.strip()}; "
              f"{accepted} reached the client")
        if res.stdout != f"echoed {n - 1} refused 5\n" or accepted != n - 1:
            return 1
        again = ("exec 3<>/dev/tcp/127.0.0.1/%d && echo again >&3 && "
                 "read -t 10 line <&3 && echo \"$line\"" % rport)
        res = await asyncio.wait_for(conn.run(again), 30)
        print(f"once they closed: {res.stdout.strip()}")
        if res.stdout != "again\n":
            return 1
    print(f"ok max_channels = {n} bounds -R connections too, and frees with a close")
    return 0


def p_connect(port, user, key):
    import paramiko
    t = paramiko.Transport(("127.0.0.1", int(port)))
    t.connect(username=user, pkey=paramiko.Ed25519Key.from_private_key_file(key))
    return t


def p_stop_reading(t):
    """Makes transport t stop reading its socket for good, as a peer that
    reads nothing: its reader blocks in the next read. Returns the Event that
    lets it go (to close t afterwards)."""
    import threading
    stop = threading.Event()

    def blocked():
        stop.wait()
        raise EOFError()
    t.packetizer.read_message = blocked
    t.global_request("keepalive@openssh.com", wait=False)  # its reply lets the reader block
    return stop


def p_run(t, cmd):
    ch = t.open_session()
    ch.exec_command(cmd)
    out = b""
    while True:
        chunk = ch.recv(65536)
        if not chunk:
            break
        out += chunk
    ch.recv_exit_status()
    ch.close()
    return out.decode()


def close_while_full(port, user, key):
    t = p_connect(port, user, key)
    data = os.urandom(3 << 20)
    want = hashlib.sha256(data).hexdigest()
    ch = t.open_session()
    # The workspace reads nothing for 3 s: its window fills, then the
    # gateway's; the client's EOF and CLOSE arrive behind the data.
    ch.exec_command("sleep 3; cat > closed-early")
    ch.sendall(data)
    ch.shutdown_write()
    ch.close()
    deadline = time.monotonic() + 15  # 3 s of sleep, then 3 MiB to write
    got = ""
    while time.monotonic() < deadline:
        got = p_run(t, "sha256sum < closed-early 2>/dev/null; true")[:64]
        if got == want:
            break
        time.sleep(0.2)
    t.close()
    print(f"sent {len(data)} bytes with EOF and CLOSE behind them; file sha256 "
          f"{'matches' if got == want else 'differs: ' + got}")
    if got != want:
        return 1
    print("ok nothing the client sent before CLOSE was lost")
    return 0


def overrun(port, user, key):
    """DATA far past the window: the gateway ends this connection, as OpenSSH
    does ("peer ignored channel window"), long before the flood ends (it
    does so at the first packet past the window: the bound only limits how
    long a broken gateway keeps the test); the next connection is served."""
    from sshflood import flood
    t = p_connect(port, user, key)
    ch = t.open_session()
    ch.exec_command("sleep 60")  # reads nothing: every window fills
    total = 64 << 20
    sent = flood(t, ch, total, time.monotonic() + 15)
    deadline = time.monotonic() + 10
    while t.is_active() and time.monotonic() < deadline:
        time.sleep(0.05)
    ended_early = not t.is_active() and sent < total
    print(f"sent {sent} bytes past the window; connection ended by the gateway: "
          f"{not t.is_active()}{' (before the flood ended)' if ended_early else ''}")
    t.close()
    t2 = p_connect(port, user, key)
    alive = p_run(t2, "echo still-here") == "still-here\n"
    t2.close()
    print(f"the next connection is served: {alive}")
    if not ended_early or not alive:
        return 1
    print("ok the connection that ignored its window was ended; the next is served", flush=True)
    return 0


def zombie(port, user, key):
    """Floods past the window and goes on after the gateway's CLOSE, which it
    never answers: libssh would keep buffering for a channel nobody reads.
    The gateway must take and drop it (its memory is measured by the
    caller) and go on serving the connection's other channels."""
    from sshflood import flood, ignore_close
    t = p_connect(port, user, key)
    closes = ignore_close(t)
    ch = t.open_session()
    ch.exec_command("sleep 60")  # reads nothing
    sent = flood(t, ch, 64 << 20, time.monotonic() + 40, after_close=True)  # bounds a broken gateway
    alive = t.is_active() and p_run(t, "echo still-here") == "still-here\n"
    t.close()
    print(f"sent {sent >> 20} MiB past the window and after the gateway's CLOSE "
          f"(seen: {bool(closes)}, never answered); the connection serves others: {alive}")
    if not closes or not alive:
        return 1
    print("ok what came after CLOSE was dropped; the connection lives")
    return 0


def noreply(port, user, key):
    """Stops reading its socket and sends keepalive@openssh.com requests,
    which libssh answers by itself into a buffer nobody empties: the
    gateway must end the connection at max_session_memory."""
    from paramiko.common import cMSG_GLOBAL_REQUEST
    from paramiko.message import Message
    t = p_connect(port, user, key)
    stop = p_stop_reading(t)
    m = Message()
    m.add_byte(cMSG_GLOBAL_REQUEST)
    m.add_string("keepalive@openssh.com")
    m.add_boolean(True)
    n = 0
    deadline = time.monotonic() + 90  # bounds a broken gateway
    try:
        while time.monotonic() < deadline:
            for _ in range(1000):
                t._send_user_message(m)
            n += 1000
    except (OSError, EOFError, ValueError):
        pass  # the gateway closed the connection
    ended = time.monotonic() < deadline
    stop.set()
    t.close()
    print(f"sent {n} keepalive requests without reading a byte; connection ended by the gateway: {ended}")
    if not ended:
        return 1
    print("ok the connection that read nothing was ended")
    return 0


def stall(port, user, key, cmd, hold):
    """Opens a session with a 1 GiB window, runs cmd and stops reading its
    socket altogether, until the file hold exists (or 60 s): the gateway's
    writes towards it can never finish."""
    t = p_connect(port, user, key)
    ch = t.open_session(window_size=1 << 30)
    ch.exec_command(cmd)
    stop = p_stop_reading(t)
    print("reading nothing from now on", flush=True)
    deadline = time.monotonic() + 60
    while not os.path.exists(hold) and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    t.close()
    return 0


def globals_flood(port, user, key):
    """Sends 200 tcpip-forward requests without waiting for any reply: more
    than the gateway keeps in order (64), so it must end the connection
    rather than answer out of order or queue without bound."""
    t = p_connect(port, user, key)
    for i in range(200):
        t.global_request("tcpip-forward", ("127.0.0.1", 30000 + i), wait=False)
    deadline = time.monotonic() + 20  # bounds a broken gateway
    while t.is_active() and time.monotonic() < deadline:
        time.sleep(0.05)
    ended = not t.is_active()
    t.close()
    print(f"sent 200 -R requests at once; connection ended by the gateway: {ended}")
    if not ended:
        return 1
    print("ok the connection that queued too many requests was ended")
    return 0


def noread(port, user, key, cmd):
    """Runs cmd and reads nothing: whatever the workspace sends waits in the
    windows. Ends when the gateway closes the channel (or after 60 s)."""
    t = p_connect(port, user, key)
    ch = t.open_session()
    ch.exec_command(cmd)
    deadline = time.monotonic() + 60
    while not ch.closed and time.monotonic() < deadline:
        time.sleep(0.05)
    print(f"channel closed by the gateway: {ch.closed}")
    alive = t.is_active() and p_run(t, "rogue-hello") == "rogue here\n"
    print(f"the connection still serves other channels: {alive}")
    t.close()
    if not ch.closed or not alive:
        return 1
    print("ok the channel was closed; the connection lives")
    return 0


def wsends(port, user, key, cmd):
    """Runs cmd and reads nothing while the workspace floods past its
    window: the gateway's session with the workspace ends (libssh 0.12 ends
    a session whose peer ignores its window, as OpenSSH does), and with it
    this connection (within 60 s)."""
    import logging
    said = []  # the disconnect message (paramiko logs it)

    class Said(logging.Handler):
        def emit(self, record):
            said.append(record.getMessage())
    logging.getLogger("paramiko").addHandler(Said())
    logging.getLogger("paramiko").setLevel(logging.INFO)
    t = p_connect(port, user, key)
    ch = t.open_session()
    ch.exec_command(cmd)
    deadline = time.monotonic() + 60
    err = b""
    while t.is_active() and time.monotonic() < deadline:
        time.sleep(0.05)  # reads nothing: the flood fills every window
    while ch.recv_stderr_ready():
        err += ch.recv_stderr(65536)
    ended = not t.is_active()
    # The line goes on stderr when the channel has room, and in the
    # disconnect message; a client that reads nothing may get neither (its
    # window is full, and the gateway's close with its unread data resets
    # the connection): the gateway's log says why.
    told = b"connection to workspace" in err or any("connection to workspace" in m for m in said)
    print(f"connection ended by the gateway: {ended}; told: {told}")
    t.close()
    if not ended:
        return 1
    print("ok the connection ended")
    return 0


def tiny(port, user, key, setup, cmd):
    """A maximum packet size of 10 (libssh 0.10 looped forever writing to
    one; libssh 0.12 sends packets of 10): on the client's side (setup "-":
    this client opens its channel so) or on the workspace's (setup is a
    command that makes the rogue sshd give its channels that size). The
    channel carries its data, in packets of 10, and the connection goes on."""
    t = p_connect(port, user, key)
    if setup == "-":
        sane = t._sanitize_packet_size  # paramiko would raise 10 to 4096
        t._sanitize_packet_size = lambda n: n if n == 10 else sane(n)
        ch = t.open_session(max_packet_size=10)
    else:
        print(f"setup: {p_run(t, setup).strip()}")
        ch = t.open_session()
    ch.settimeout(30)  # bounds a broken gateway
    ch.exec_command(cmd)
    out = b""
    try:
        ch.sendall(b"x" * 1000)  # something for the gateway to write upstream
        ch.shutdown_write()
        while True:
            d = ch.recv(65536)
            if not d:
                break
            out += d
        status = ch.recv_exit_status()
    except (OSError, EOFError, ValueError, RuntimeError) as e:
        print(f"the channel failed: {e!r}")
        t.close()
        return 1
    # (the rogue sshd knows its own commands only)
    probe, want = ("echo still-here", "still-here\n") if setup == "-" else ("rogue-hello", "rogue here\n")
    alive = t.is_active() and p_run(t, probe) == want
    t.close()
    print(f"output {out[:80]!r} ({len(out)} bytes), exit {status}; the connection goes on: {alive}")
    if not alive or status != 0:
        return 1
    print("ok the channel with a 10-byte maximum packet carried its data; the connection lives")
    return 0


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    if mode == "runs":
        return asyncio.run(runs(*args))
    if mode == "load":
        return asyncio.run(load(*args))
    if mode == "cap":
        return asyncio.run(cap(*args))
    if mode == "close":
        return close_while_full(*args)
    if mode == "noread":
        return noread(*args)
    if mode == "wsends":
        return wsends(*args)
    if mode == "globals":
        return globals_flood(*args)
    if mode == "stall":
        return stall(*args)
    if mode == "noreply":
        return noreply(*args)
    if mode == "zombie":
        return zombie(*args)
    if mode == "rcap":
        return asyncio.run(rcap(*args))
    if mode == "tiny":
        return tiny(*args)
    if mode == "overrun":
        return overrun(*args)
    print(f"unknown mode {mode}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
