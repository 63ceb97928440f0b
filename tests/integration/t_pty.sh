#!/bin/bash
# An interactive login in a real terminal (tmux): prompt, typing, resize,
# Ctrl-C, and the session's exit status.
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
finish
