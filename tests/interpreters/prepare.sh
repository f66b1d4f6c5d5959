#!/bin/sh
# Prepares CPython interpreters from Debian's development suite (sid) that
# this Debian release cannot install (they need a newer libc): 3.14 and a
# Debian-built 3.13. Their packages are downloaded, never installed: the sid
# source is pinned at priority -10, `apt-get download` fetches the .debs and
# `dpkg -x` unpacks them, with the libc and libraries they need, into
# $FAH_INTERPRETERS (default /var/cache/fixingahole/interpreters). Each
# interpreter gets a copy of its binary that runs with sid's own loader
# (patchelf: PT_INTERP and DT_RPATH into the unpacked tree) and a wrapper
# that sets PYTHONHOME.
#
# Idempotent: a prepared folder whose interpreters still run is left alone.
# Never fails the test command: when the registry does not serve the
# packages (or this is not root, or patchelf is missing), it prints why and
# writes the reason to $FAH_INTERPRETERS/status, which the integration
# tests read to report themselves skipped (exit 77) with that reason.
#
# Output, for the tests (docs/python-3.14.md):
#   $FAH_INTERPRETERS/status          "ok" or "unavailable: <reason>"
#   $FAH_INTERPRETERS/bin/python3.14  binary with sid's loader (no wrapper)
#   $FAH_INTERPRETERS/bin/python3.13
#   $FAH_INTERPRETERS/wrap/python3.14 sh wrapper: PYTHONHOME, then exec
#   $FAH_INTERPRETERS/wrap/python3.13
set -u

dest=${FAH_INTERPRETERS:-/var/cache/fixingahole/interpreters}
minors="14 13"
list=/etc/apt/sources.list.d/fixingahole-sid.list
prefs=/etc/apt/preferences.d/fixingahole-sid
triplet=x86_64-linux-gnu

say() { echo "prepare interpreters: $*"; }

# unavailable REASON: records why the sid interpreters cannot be had, exit 0.
unavailable() {
    mkdir -p "$dest" 2>/dev/null
    printf 'unavailable: %s\n' "$*" >"$dest/status.tmp" 2>/dev/null &&
        mv "$dest/status.tmp" "$dest/status"
    say "skipped: sid interpreters unavailable: $*"
    exit 0
}

# works BIN: the prepared interpreter runs and imports json and threading.
works() {
    [ -x "$1" ] && "$1" -c 'import json, threading, sys; print(sys.version.split()[0])' \
        >/dev/null 2>&1
}

all_work() {
    for m in $minors; do
        works "$dest/bin/python3.$m" && works "$dest/wrap/python3.$m" || return 1
    done
}

# add_debug_info: the detached debug files of sid's python3.14 (its
# python3.14-dbg package holds them under usr/lib/debug/.build-id, beside
# the debug build's), unpacked into the tree's usr/lib/debug: --native
# names the interpreter's static functions from them, the evaluation loop
# among them (its code lies in _PyEval_EvalFrameDefault.cold there, which
# .dynsym does not name). Optional: without them the --native cases of
# py3.14-sid skip, saying so.
dbg_minors="14"
add_debug_info() {
    for m in $dbg_minors; do
        [ -d "$dest/root/usr/lib/debug/.build-id" ] && continue
        dwork=$(mktemp -d "${TMPDIR:-/tmp}/fah-sid-dbg.XXXXXX") || return 0
        if (cd "$dwork" && apt-get download "python3.$m-dbg/sid" >"$dwork/log" 2>&1) &&
            dpkg-deb --fsys-tarfile "$dwork"/python3.$m-dbg_*.deb |
            tar -x -C "$dest/root" ./usr/lib/debug/.build-id 2>>"$dwork/log"; then
            say "python3.$m: debug files in $dest/root/usr/lib/debug"
        else
            say "note: no debug files for python3.$m: $(tail -n 1 "$dwork/log")"
        fi
        rm -rf "$dwork"
    done
}

if [ -f "$dest/status" ] && [ "$(cat "$dest/status")" = ok ] && all_work; then
    [ "$(id -u)" = 0 ] && add_debug_info
    say "ready in $dest"
    exit 0
fi

[ "$(id -u)" = 0 ] || unavailable "not root: apt-get and the pinned sid source need root"
command -v apt-get >/dev/null 2>&1 || unavailable "no apt-get: not a Debian system"
[ "$(dpkg --print-architecture 2>/dev/null)" = amd64 ] ||
    unavailable "architecture $(dpkg --print-architecture 2>/dev/null) is not amd64"

# The mirror: the one this machine already uses for Debian's main archive
# (the first URI of a source whose suites name this release), so no host is
# hard-coded. Its keyring signs sid too (debian-archive-keyring).
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
mirror=$(
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
        awk -v rel="$codename" '
            /^URIs:/ { uri = $2 }
            /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == rel && uri != "") { print uri; exit } }
            /^deb / { for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) { u = $i; if ($(i + 1) == rel) { print u; exit } } }'
)
[ -n "$mirror" ] || unavailable "no Debian mirror for '$codename' found in /etc/apt sources"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$keyring" ] || unavailable "$keyring is missing (debian-archive-keyring)"

# The source, pinned below every installed version: nothing is ever
# installed or upgraded from it; only `apt-get download` uses it.
printf '# fixingahole tests: sid interpreters are downloaded from here, never installed.\ndeb [signed-by=%s] %s sid main\n' \
    "$keyring" "$mirror" >"$list.tmp" && mv "$list.tmp" "$list"
printf '# fixingahole tests: never install anything from sid.\nPackage: *\nPin: release n=sid\nPin-Priority: -10\n' \
    >"$prefs.tmp" && mv "$prefs.tmp" "$prefs"

# Update the sid lists only (the system's own lists are left as they are).
if ! apt-get update -o Dir::Etc::sourcelist="$list" -o Dir::Etc::sourceparts=- \
    -o APT::Get::List-Cleanup=0 >"${TMPDIR:-/tmp}/fah-sid-update.log" 2>&1; then
    unavailable "apt-get update of the sid source failed: $(tail -n 1 "${TMPDIR:-/tmp}/fah-sid-update.log")"
fi

# sid_depends PKG: the library packages PKG depends on in sid (first
# alternative, version constraints dropped).
sid_depends() {
    apt-cache show "$1/sid" 2>/dev/null | awk '/^$/ { exit } /^(Pre-)?Depends:/ { sub(/^[^:]*: /, ""); print }' |
        tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/:any//; s/[[:space:]]//g' | grep '^lib' | sort -u
}

pkgs=""
for m in $minors; do
    pkgs="$pkgs python3.$m-minimal libpython3.$m-minimal libpython3.$m-stdlib"
done
for p in $pkgs; do
    apt-cache show "$p/sid" >/dev/null 2>&1 || unavailable "sid does not serve $p"
done
# The libraries they need, one level down, plus libgcc-s1 (libc loads
# libgcc_s to unwind a cancelled thread).
libs=$(for p in $pkgs; do sid_depends "$p"; done; sid_depends libc6; echo libc6; echo libgcc-s1)
libs=$(echo "$libs" | grep -v '^libpython3' | sort -u)

work=$(mktemp -d "${TMPDIR:-/tmp}/fah-sid.XXXXXX") || unavailable "mktemp failed"
trap 'rm -rf "$work"' EXIT
mkdir "$work/debs" "$work/root"
for p in $pkgs $libs; do
    if ! (cd "$work/debs" && apt-get download "$p/sid" >>"$work/download.log" 2>&1); then
        # A library only some interpreter module uses may be gone: note it.
        case "$p" in
        python3* | libpython3* | libc6) unavailable "apt-get download $p/sid failed: $(tail -n 1 "$work/download.log")" ;;
        *) say "note: could not download $p from sid" ;;
        esac
    fi
done
for deb in "$work"/debs/*.deb; do
    dpkg-deb -x "$deb" "$work/root" || unavailable "dpkg-deb -x $(basename "$deb") failed"
done

if ! command -v patchelf >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q patchelf >"$work/patchelf.log" 2>&1 ||
        unavailable "patchelf is missing and could not be installed: $(tail -n 1 "$work/patchelf.log")"
fi

# The new tree replaces the old one whole.
rm -rf "$dest.new"
mkdir -p "$dest.new/bin" "$dest.new/wrap" && mv "$work/root" "$dest.new/root" &&
    ls "$work/debs" >"$dest.new/packages.txt" || unavailable "cannot write $dest.new"
root=$dest.new/root
final=$dest/root
loader=$final/usr/lib/$triplet/ld-linux-x86-64.so.2
[ -e "$root/usr/lib/$triplet/ld-linux-x86-64.so.2" ] || unavailable "sid's libc6 has no $triplet loader"
for m in $minors; do
    bin=$root/usr/bin/python3.$m
    [ -x "$bin" ] || unavailable "python3.$m-minimal from sid has no usr/bin/python3.$m"
    # The binary stays where it is inside the tree, so its prefix (the
    # stdlib under usr/lib/python3.$m) is found from its own location; the
    # loader and library path are absolute paths of the final folder.
    # DT_RPATH, not DT_RUNPATH: it also serves extension modules that
    # dlopen pulls in (lib-dynload/_ssl needs sid's libssl).
    patchelf --set-interpreter "$loader" --force-rpath \
        --set-rpath "$final/usr/lib/$triplet:$final/lib/$triplet" "$bin" ||
        unavailable "patchelf on python3.$m failed"
    ln -s "../root/usr/bin/python3.$m" "$dest.new/bin/python3.$m"
    printf '#!/bin/sh\n# sid python3.%s with its own loader and stdlib (tests/interpreters/prepare.sh).\nPYTHONHOME=%s/usr exec %s/usr/bin/python3.%s "$@"\n' \
        "$m" "$final" "$final" "$m" >"$dest.new/wrap/python3.$m"
    chmod 755 "$dest.new/wrap/python3.$m"
done
rm -rf "$dest.old"
[ -d "$dest" ] && mv "$dest" "$dest.old"
mv "$dest.new" "$dest" || unavailable "cannot move the tree to $dest"
rm -rf "$dest.old"

for m in $minors; do
    for b in "$dest/bin/python3.$m" "$dest/wrap/python3.$m"; do
        if ! works "$b"; then
            why=$("$b" -c 'import json, threading' 2>&1 | tail -n 1)
            unavailable "$b does not run 'import json, threading': $why"
        fi
    done
    say "python3.$m: $("$dest/bin/python3.$m" -c 'import sys; print(sys.version.split()[0])')"
done
echo ok >"$dest/status"
add_debug_info
say "ready in $dest"
