#!/bin/bash
# An interactive login in a real terminal (tmux): prompt, typing, resize.
. "$(dirname "$0")/lib.sh"
gw_start main
W=$RUN-pty
wssh "$W" true   # create it first so the terminal test is not a start-up race

sock="$T/tmux"
tmux -S "$sock" new-session -d -s t -x 100 -y 30 \
    "ssh ${SSH_OPTS[*]} -o LogLevel=ERROR -tt -i $T/id -p $GW_PORT -l $W 127.0.0.1"
screen() { tmux -S "$sock" capture-pane -p -t t; }
wait_for() { for _ in $(seq 50); do screen | grep -qF -- "$1" && return 0; sleep 0.2; done; screen | sed 's/^/#   /'; return 1; }

check "prompt shows user and host" wait_for "workspace@$W:~\$"
tmux -S "$sock" send-keys -t t 'stty size; echo "term=$TERM tty=$(tty)"' Enter
check "terminal size 30 100" wait_for "30 100"
check "a real tty with TERM passed" wait_for "term=tmux-256color tty=/dev/pts/"
tmux -S "$sock" resize-window -t t -x 132 -y 41
sleep 0.5
tmux -S "$sock" send-keys -t t 'stty size' Enter
check "stty size follows a resize (41 132)" wait_for "41 132"
tmux -S "$sock" send-keys -t t 'sleep 30' Enter
sleep 0.5
tmux -S "$sock" send-keys -t t C-c
tmux -S "$sock" send-keys -t t 'echo interrupted-ok' Enter
check "Ctrl-C interrupts the foreground command" wait_for "interrupted-ok"
tmux -S "$sock" send-keys -t t 'exit 7' Enter
sleep 1
check "session ends on exit" bash -c "! tmux -S '$sock' has-session -t t 2>/dev/null"
tmux -S "$sock" kill-server 2>/dev/null
finish
