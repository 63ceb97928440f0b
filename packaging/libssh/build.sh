#!/bin/bash
# Builds the libssh wsgate links: Debian's libssh 0.12.x source package with
# our patch (wsgate.patch, explained in docs/libssh.md), as a static library
# in a private prefix. Nothing is installed on the system and the system's apt
# sources are not touched: the source comes through a private source list and
# apt checks it against Debian's signed index.
#
#   packaging/libssh/build.sh [OUTDIR]      (default: build/libssh)
#
# Prints the prefix on its last line. Cached: when OUTDIR/prefix was built from
# the same source version, patch and options, nothing is fetched or rebuilt.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
out=${1:-$top/build/libssh}
mkdir -p "$out"
out=$(cd "$out" && pwd)

PIN=0.12.2-1            # the version this patch was written against
SERIES=0.12             # a newer 0.12.x is taken when the archive has moved on
ARCHIVE=${WSGATE_DEBIAN_ARCHIVE:-http://deb.debian.org/debian}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
CMAKE_OPTS=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DBUILD_SHARED_LIBS=OFF
            -DCMAKE_POSITION_INDEPENDENT_CODE=ON -DWITH_GSSAPI=OFF -DWITH_EXAMPLES=OFF
            -DWITH_PCAP=OFF -DWITH_SFTP=OFF -DWITH_ZLIB=ON -DWITH_FIDO2=OFF -DUNIT_TESTING=OFF
            -DWITH_SYMBOL_VERSIONING=OFF)

say() { printf '==> libssh: %s\n' "$*" >&2; }
die() { printf 'libssh: %s\n' "$*" >&2; exit 1; }

# A system libssh that already has what the patch adds is used as it is
# (CMakeLists.txt finds it through pkg-config when no prefix was built).
if pkg-config --atleast-version=0.12 libssh 2>/dev/null &&
   printf '#include <libssh/server.h>\n#include <libssh/callbacks.h>\nint main(void){return ssh_server_set_hostkey_sign_callback(0, 0, 0) == 0 && ssh_message_channel_request_pty_modes(0, 0) != 0;}\n' |
   cc -x c - -o /dev/null $(pkg-config --cflags --libs libssh) >/dev/null 2>&1; then
    say "the system's libssh $(pkg-config --modversion libssh) has what wsgate needs: not building one"
    exit 0
fi

patch_sum=$(cat "$here/wsgate.patch" "$0" | sha256sum | cut -c1-16)
if [ -f "$out/stamp" ] && [ -f "$out/prefix/lib/libssh.a" ] &&
   grep -qx "patch=$patch_sum" "$out/stamp"; then
    say "cached: $(head -1 "$out/stamp") in $out/prefix"
    echo "$out/prefix"
    exit 0
fi

# 1. The source package, from a private list so the system's sources stay as
#    they are. apt verifies the files against the signed Sources index.
apt_dir=$out/apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$out/src"
echo "deb-src [signed-by=$KEYRING] $ARCHIVE sid main" >"$apt_dir/sources.list"
APT=(-o Dir::Etc::sourcelist="$apt_dir/sources.list" -o Dir::Etc::sourceparts=-
     -o Dir::State::Lists="$apt_dir/lists" -o Dir::Cache="$apt_dir/cache"
     -o APT::Sandbox::User=root -qq)
version=
if ls "$out/src"/libssh_*.dsc >/dev/null 2>&1; then
    version=$(sed -n 's/^Version: //p' "$(ls "$out/src"/libssh_*.dsc | sort -V | tail -1)")
fi
if [ "$version" != "$PIN" ]; then
    say "fetching Debian's libssh source package (pinned $PIN)"
    apt-get "${APT[@]}" update >/dev/null 2>&1 ||
        die "cannot read Debian's source index at $ARCHIVE: check the network, or set WSGATE_DEBIAN_ARCHIVE to a mirror"
    have=$(apt-cache "${APT[@]}" showsrc libssh 2>/dev/null | sed -n 's/^Version: //p' |
           grep "^$SERIES\." | sort -V | tail -1 || true)
    if apt-cache "${APT[@]}" showsrc libssh 2>/dev/null | grep -qx "Version: $PIN"; then
        version=$PIN
    elif [ -n "$have" ]; then
        version=$have
        say "the archive has moved on from $PIN: taking $version"
    else
        die "Debian's archive has no libssh $SERIES.x source any more: update PIN in $0"
    fi
    rm -rf "$out/src" && mkdir -p "$out/src"
    (cd "$out/src" && apt-get "${APT[@]}" source --download-only "libssh=$version" >/dev/null 2>&1) ||
        die "apt could not fetch or verify libssh $version's source"
fi
upstream=${version%-*}

# 2. Unpack (Debian's own patches applied), then ours. A patch that no longer
#    applies stops here with one line, before anything is built. (dpkg-source
#    cannot check the .dsc's own signature without debian-keyring; apt has
#    checked every file against the signed index: its warning goes to the log.)
rm -rf "$out/tree"
(cd "$out/src" && dpkg-source -x "libssh_${version}.dsc" "$out/tree" >"$out/unpack.log" 2>&1) ||
    die "dpkg-source could not unpack libssh $version (see $out/unpack.log)"
# No fuzz: a hunk lands where it was written or not at all.
if ! patch -d "$out/tree" -p1 -F0 --dry-run <"$here/wsgate.patch" >"$out/patch.log" 2>&1 ||
   grep -q 'with fuzz\|offset' "$out/patch.log"; then
    die "packaging/libssh/wsgate.patch does not apply exactly to libssh $version (see $out/patch.log): port it, then update PIN"
fi
patch -d "$out/tree" -p1 -F0 -s <"$here/wsgate.patch"

# 3. Build and install into the private prefix.
say "building libssh $upstream with wsgate.patch (about a minute, once)"
rm -rf "$out/obj" "$out/prefix"
cmake -S "$out/tree" -B "$out/obj" -DCMAKE_INSTALL_PREFIX="$out/prefix" "${CMAKE_OPTS[@]}" \
    >"$out/build.log" 2>&1 || die "configuring libssh failed: see $out/build.log"
cmake --build "$out/obj" -j "$(nproc)" >>"$out/build.log" 2>&1 || die "building libssh failed: see $out/build.log"
cmake --install "$out/obj" >>"$out/build.log" 2>&1 || die "installing libssh failed: see $out/build.log"
printf 'libssh %s\npatch=%s\n' "$version" "$patch_sum" >"$out/stamp"
say "built libssh $version into $out/prefix"
echo "$out/prefix"
