#!/bin/bash
# The README's first command, ./scripts/run.sh, as people run it: as root with
# no ssh key at all, as root with a key but no authorized_keys, and as a
# normal user through sudo (SUDO_USER). Each run is in a mount namespace of
# its own where /etc/wsgate and the user's home are empty directories of the
# test's, so the host's keys and settings are never touched; the gateway it
# starts must let that user in with the key it found or made.
. "$(dirname "$0")/lib.sh"

U=wq${RUN#t}
useradd -m -s /bin/bash "$U"
on_exit userdel -r "$U"
# A person who uses sudo has a password (a locked account may not log in).
echo "$U:Pw-$RUN-q" | chpasswd
mkdir -p /etc/wsgate   # the mount point (setup makes it anyway)

# quickstart CASE USER HOMEDIR [ENV...]: runs run.sh for USER whose home is
# HOMEDIR (bind-mounted over the real one), on a port of the test's; waits
# for the gateway it starts.
quickstart() {
    local case=$1 user=$2 homedir=$3 port realhome; shift 3
    port=$(free_port)
    realhome=$(getent passwd "$user" | cut -d: -f6)
    mkdir -p "$T/etc-$case"
    # An administrator's one setting, so that run.sh keeps the file.
    echo "listen_port = $port;" > "$T/etc-$case/wsgate.conf"
    env "$@" unshare -m --propagation private bash -c '
        mount --bind "$1" /etc/wsgate && mount --bind "$2" "$3" && exec "$4/scripts/run.sh"' \
        _ "$T/etc-$case" "$homedir" "$realhome" "$WSGATE_SRC" > "$T/run-$case.log" 2>&1 8>&- &
    QS_PID=$!
    QS_PORT=$port
    bg_pid "$QS_PID"
    wait_until 300 eval 'listening "$QS_PORT" || ! kill -0 "$QS_PID"'
    listening "$QS_PORT" || { sed 's/^/#   /' "$T/run-$case.log" | tail -20; return 1; }
}
# qssh KEY: ssh NAME@127.0.0.1 through the quick-start gateway.
qssh() { timeout 120 ssh "${SSH_OPTS[@]}" -o LogLevel=ERROR -i "$1" -p "$QS_PORT" -l "$2" 127.0.0.1 "${@:3}"; }
qstop() { kill "$QS_PID" 2>/dev/null; wait "$QS_PID" 2>/dev/null; }

# Root with no ~/.ssh: run.sh makes a key, without sudo.
mkdir -p "$T/root-nokey"
chmod 700 "$T/root-nokey"
check "root with no ssh key: run.sh starts the gateway" quickstart nokey root "$T/root-nokey" -u SUDO_USER
check "it said it made a key" contains "$T/run-nokey.log" "root has no ssh key: making /root/.ssh/id_ed25519"
check "without needing sudo" lacks "$T/run-nokey.log" "sudo"
check "and printed the line to type" contains "$T/run-nokey.log" "ssh -p $QS_PORT myproject@127.0.0.1"
check "that key logs in" is "$(qssh "$T/root-nokey/.ssh/id_ed25519" "$RUN-qa" 'echo in; whoami')" "$(printf 'in\nworkspace')"
check "the workspace is root's" is "$(ws_owner "$RUN-qa")" root
check "run.sh turned Docker-in-Docker on for root's account (off by default)" \
    eval 'contains "$T/run-nokey.log" "Docker-in-Docker on" && docker container inspect -f "{{.HostConfig.CapAdd}}" "workspace-$RUN-qa" | grep -q SYS_ADMIN'
qstop

# Root with a key but no authorized_keys: run.sh takes the key (and does not
# end silently).
mkdir -p "$T/root-key/.ssh"
ssh-keygen -q -t ed25519 -N '' -f "$T/root-key/.ssh/id_ed25519" -C root-key
check "root with a key and no authorized_keys: run.sh starts the gateway" quickstart key root "$T/root-key" -u SUDO_USER
check "it took the key" contains "$T/run-key.log" "account root: 1 key(s)"
check "that key logs in" is "$(qssh "$T/root-key/.ssh/id_ed25519" "$RUN-qa" echo in)" in
qstop

# A normal user through sudo: the key is theirs, made as them.
uhome=$(getent passwd "$U" | cut -d: -f6)
mkdir -p "$T/user-home"
chown "$U:$U" "$T/user-home"
check "a user through sudo: run.sh starts the gateway" quickstart user "$U" "$T/user-home" "SUDO_USER=$U"
check "it made the user's key, as the user" \
    eval '[ "$(stat -c %U "$T/user-home/.ssh/id_ed25519")" = "$U" ] && contains "$T/run-user.log" "$U has no ssh key"'
check "the user's key logs in to a workspace of their own" is "$(qssh "$T/user-home/.ssh/id_ed25519" "$RUN-qu" echo in)" in
check "owned by the user" is "$(ws_owner "$RUN-qu")" "$U"
check "the host's /etc/wsgate has no key of theirs" eval '[ ! -e "/etc/wsgate/keys/$U" ]'
check "nor the user's real home" eval '[ ! -e "$uhome/.ssh/id_ed25519" ]'
qstop
finish
