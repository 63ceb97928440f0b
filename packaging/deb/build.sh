#!/bin/bash
# Builds wsgate's Debian package from this tree (its files as they are now,
# without build directories or anything .gitignore names), with
# packaging/debian as the package's debian/, then runs lintian on it.
#
#   packaging/deb/build.sh        leaves build/deb/wsgate_VERSION_ARCH.deb
#
# As root with apt, it installs what the build needs (the Build-Depends,
# debhelper, dpkg-dev, lintian, git) when any is missing.
# libssh with wsgate's patch comes from WSGATE_LIBSSH_PREFIX when set, else
# from packaging/libssh/build.sh's cache in build/libssh. Prints the .deb's
# path on its last line.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/deb
say() { printf '==> deb: %s\n' "$*" >&2; }
die() { printf 'deb: %s\n' "$*" >&2; exit 1; }

# On a fresh machine the build's own needs come first: the package's
# Build-Depends (read from its control file), the packaging tools, and git
# or rsync for the clean copy. apt-get satisfy installs what is missing.
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    deps=$(sed -n '/^Build-Depends:/,/^[A-Z]/p' "$top/packaging/debian/control" |
        sed '$d' | sed 's/^Build-Depends://' | tr -d '\n' | sed 's/debhelper-compat (= \([0-9]*\))/debhelper (>= \1)/')
    if ! dpkg-checkbuilddeps -d "$deps" /dev/null >/dev/null 2>&1 || ! command -v lintian >/dev/null ||
        ! { command -v git || command -v rsync; } >/dev/null || ! dpkg -s build-essential >/dev/null 2>&1; then
        say "installing what the build needs (Build-Depends, dpkg-dev, lintian, git)"
        apt-get update -qq || die "apt-get update failed: see above"
        DEBIAN_FRONTEND=noninteractive apt-get satisfy -y -qq --no-install-recommends \
            "$deps, build-essential, dpkg-dev, lintian, git, fakeroot" >/dev/null ||
            die "cannot install the build's packages (apt-get satisfy failed): see above"
    fi
fi
for tool in dpkg-buildpackage dh lintian; do
    command -v "$tool" >/dev/null || die "$tool is missing: run scripts/setup.sh (or apt-get install debhelper dpkg-dev lintian)"
done
version=$(dpkg-parsechangelog -l "$top/packaging/debian/changelog" -S Version)
arch=$(dpkg --print-architecture)
deb=$out/wsgate_${version}_${arch}.deb

prefix=${WSGATE_LIBSSH_PREFIX:-}
if [ -z "$prefix" ]; then
    # Its last line is the prefix; none when the system's libssh will do.
    prefix=$("$top/packaging/libssh/build.sh" "$top/build/libssh" | tail -1)
fi
[ -z "$prefix" ] || [ -f "$prefix/lib/libssh.a" ] ||
    die "WSGATE_LIBSSH_PREFIX=$prefix has no lib/libssh.a: unset it, or run packaging/libssh/build.sh"

# A clean copy: the files git knows or would take (not build trees), and
# debian/ at its top, where dpkg-buildpackage looks.
src=$out/src/wsgate-${version%-*}
rm -rf "$out/src" && mkdir -p "$src"
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    (cd "$top" && git ls-files -z --cached --others --exclude-standard |
        while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
        tar --null -T - -cf -) | tar -C "$src" -xf -
else
    rsync -a --exclude='/build*/' "$top/" "$src/"
fi
rm -rf "$src/debian" && cp -a "$top/packaging/debian" "$src/debian"

say "building wsgate $version ($arch) in $src (log: $out/build.log)"
rm -f "$out"/wsgate*_"$version"_* "$out/build.log"
if ! (cd "$src" && WSGATE_LIBSSH_PREFIX=$prefix dpkg-buildpackage -us -uc -b) >"$out/build.log" 2>&1; then
    tail -20 "$out/build.log" >&2
    die "dpkg-buildpackage failed: see $out/build.log"
fi
mv "$out/src"/wsgate*_"$version"_* "$out/"
[ -f "$deb" ] || die "dpkg-buildpackage made no $deb"

# lintian: every tag left is explained in docs/packaging.md (and, where
# right, overridden in debian/wsgate.lintian-overrides).
say "lintian"
changes=$out/wsgate_${version}_${arch}.changes
if ! lintian --fail-on error,warning --display-info "$changes" >"$out/lintian.log" 2>&1; then
    cat "$out/lintian.log" >&2
    die "lintian found problems (above, and in $out/lintian.log)"
fi
sed 's/^/    /' "$out/lintian.log" >&2
echo "$deb"
