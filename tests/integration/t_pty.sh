#!/bin/bash
# An interactive login in a real terminal (tmux): prompt, typing, resize,
# Ctrl-C, and the session's exit status; the client's terminal modes reach
# the workspace's pty; ~B reaches it as a break.
. "$(dirname "$0")/lib.sh"
gw_start main
W=$RUN-pty
# create it first so the terminal test is not a start-up race
check "the workspace is up" is "$(wssh "$W" echo in)" in
# gone PID: the process has ended (a zombie counts as ended).
gone() { ! kill -0 "$1" 2>/dev/null || grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }

sock="$T/tmux"
# The pane runs ssh and then records its exit status, so that the status is
# observed, not guessed from the pane going away.
check "a terminal (tmux) with ssh in it starts" tmux -S "$sock" new-session -d -s t -x 100 -y 30 \
    "ssh ${SSH_OPTS[*]} -o LogLevel=ERROR -tt -i $T/id -p $GW_PORT -l $W 127.0.0.1; echo rc=\$? > $T/pty.rc"
tpid=$(tmux -S "$sock" display-message -p -t t '#{pid}')
# The tmux server is this test's: ended and waited for at cleanup.
on_exit "tmux -S '$sock' kill-server; wait_until 5 gone ${tpid:-0}"
screen() { tmux -S "$sock" capture-pane -p -t t; }
wait_for() { for _ in $(seq 50); do screen | grep -qF -- "$1" && return 0; sleep 0.2; done; screen | sed 's/^/#   /'; return 1; }

check "prompt shows user and host" wait_for "workspace@$W:~\$"
tmux -S "$sock" send-keys -t t 'stty size; echo "term=$TERM tty=$(tty)"' Enter
check "terminal size 30 100" wait_for "30 100"
check "a real tty with TERM passed" wait_for "term=tmux-256color tty=/dev/pts/"
tmux -S "$sock" resize-window -t t -x 132 -y 41
# Asks again until the window change has arrived (the typed line does not
# hold "41 132").
resized() { tmux -S "$sock" send-keys -t t 'stty size' Enter; sleep 0.5; screen | grep -q '^41 132 *$'; }
check "stty size follows a resize (41 132)" wait_until 10 resized
# Ctrl-C: the sleep really runs in the workspace first; then the next line
# prints 42-int only when the shell runs it (the echoed keystrokes hold
# "$((6*7))-int", not "42-int").
tmux -S "$sock" send-keys -t t 'sleep 3037' Enter
check "the foreground command runs in the workspace" wait_until 10 docker exec "workspace-$W" pgrep -fx 'sleep 3037'
tmux -S "$sock" send-keys -t t C-c
tmux -S "$sock" send-keys -t t 'echo "$((6*7))-int"' Enter
check "Ctrl-C interrupts the foreground command" wait_for "42-int"
check "the interrupted command is gone from the workspace" \
    wait_until 10 eval '[ "$(docker exec "workspace-$W" pgrep -c -fx "sleep 3037")" = 0 ]'
check "the session is still open before exit" eval 'tmux -S "$sock" has-session -t t && [ ! -e "$T/pty.rc" ]'
tmux -S "$sock" send-keys -t t 'exit 7' Enter
check "the session ends on exit with its status (7)" wait_until 15 eval '[ "$(cat "$T/pty.rc" 2>/dev/null)" = rc=7 ]'
check "and the terminal closes with it" wait_until 10 gone "${tpid:-0}"

# Terminal modes: the client's own settings, two opposite ways, are what
# the workspace's pty has (the gateway relays pty-req's modes as they came).
modes() { # NAME STTY-ARGS: runs `stty -a` in the workspace from a tty set so
    tmux -S "$sock" new-session -d -s "$1" -x 100 -y 30 \
        "stty $2; ssh ${SSH_OPTS[*]} -o LogLevel=ERROR -tt -i $T/id -p $GW_PORT -l $W 127.0.0.1 'stty -a' > $T/$1.out 2>&1; echo done > $T/$1.rc"
    wait_until 30 test -e "$T/$1.rc"
}
check "a client tty set with stty erase ^H -iutf8 logs in" modes m1 "erase ^H -iutf8"
check "the workspace's pty has erase = ^H" grep -q 'erase = ^H;' "$T/m1.out"
check "and -iutf8" grep -qw -- '-iutf8' "$T/m1.out"
check "a client tty set with stty erase ^? iutf8 logs in" modes m2 "erase ^? iutf8"
check "the workspace's pty has erase = ^?" grep -q 'erase = ^?;' "$T/m2.out"
check "and iutf8" eval "grep -qw iutf8 '$T/m2.out' && ! grep -qw -- -iutf8 '$T/m2.out'"
grep -o 'erase = [^;]*;\|-\?iutf8' "$T/m1.out" "$T/m2.out" | sed 's/^/# /'

# ~B: OpenSSH's escape sends a break request; the workspace's sshd turns it
# into tcsendbreak() on the pty (seen with strace on its session process).
check "a terminal for ~B starts" tmux -S "$sock" new-session -d -s b -x 100 -y 30 \
    "ssh ${SSH_OPTS[*]} -o LogLevel=ERROR -o EscapeChar='~' -tt -i $T/id -p $GW_PORT -l $W 127.0.0.1"
pane_has() { tmux -S "$sock" capture-pane -p -t b | grep -q -- "$1"; }
check "its prompt shows" wait_until 10 pane_has "workspace@$W:~"
tmux -S "$sock" send-keys -t b 'echo "sshd=$PPID"' Enter
check "the session's sshd is found" wait_until 10 pane_has "^sshd=[0-9]"
inner=$(tmux -S "$sock" capture-pane -p -t b | sed -n 's/^sshd=\([0-9]*\).*/\1/p' | tail -1)
# The shell's parent is sshd's session process inside the container: its
# host pid is the one whose NSpid ends with the inner pid, in that container.
cpid=$(docker inspect -f '{{.State.Pid}}' "workspace-$W")
hpid=
for p in $(pgrep -f 'sshd: workspace' ); do
    grep -q "^NSpid:.*[[:space:]]$inner\$" "/proc/$p/status" 2>/dev/null &&
        [ "$(readlink /proc/$p/ns/pid)" = "$(readlink /proc/$cpid/ns/pid)" ] && hpid=$p
done
check "its host pid is known ($inner inside, ${hpid:-?} here)" [ -n "$hpid" ]
strace -qq -f -e trace=ioctl -p "${hpid:-0}" -o "$T/strace.out" 2>/dev/null &
st=$!
bg_pid $st
check "strace is attached" wait_until 10 grep -q "^TracerPid:[[:space:]]*$st\$" "/proc/${hpid:-0}/status"
tmux -S "$sock" send-keys -t b Enter '~B'
# tcsendbreak(fd, 0) is ioctl TCSBRK with 0; tcdrain() is TCSBRK with 1.
check "~B reaches the workspace's pty as a break (TCSBRK, 0)" wait_until 10 grep -q 'TCSBRK, 0)' "$T/strace.out"
kill "$st" 2>/dev/null
tmux -S "$sock" send-keys -t b 'exit' Enter
finish
