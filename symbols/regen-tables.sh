#!/bin/sh
# Regenerates symbols/offset_tables.c from the DWARF of every CPython
# interpreter on this machine: pyenv builds (libpython, or the executable for
# static builds) and the system's python3.X[d] executables and libpython3.X
# libraries (DWARF embedded or detached under /usr/lib/debug/.build-id, e.g.
# from Debian's python3.X-dbg). Builds the generator unless GEN_TABLES names
# one. Versions the profiler does not support are skipped by the generator.
#
#   symbols/regen-tables.sh            # rewrite symbols/offset_tables.c
#   GEN_TABLES=/path/to/fixingahole-gen-tables DEBUG_DIRS=/usr/lib/debug \
#       symbols/regen-tables.sh
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
out="$here/offset_tables.c"

if [ -z "${GEN_TABLES:-}" ]; then
    build="${BUILD_DIR:-$root/build-symbols}"
    cmake -S "$root" -B "$build" >/dev/null
    cmake --build "$build" --target fixingahole-gen-tables >/dev/null
    GEN_TABLES="$build/bin/fixingahole-gen-tables"
    [ -x "$GEN_TABLES" ] || GEN_TABLES="$build/symbols/fixingahole-gen-tables"
fi

is_elf() {
    [ -f "$1" ] && [ "$(head -c 4 "$1" | od -An -c | tr -d ' ')" = "177ELF" ]
}

# Adds a file once, by its real path (python3.11-dbg is a link to python3.11d).
seen=" "
add() {
    real=$(readlink -f "$1")
    case "$seen" in *" $real "*) return 0 ;; esac
    seen="$seen$real "
    list="$list $real"
}

list=
for v in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/*; do
    [ -d "$v" ] || continue
    found=
    for lib in "$v"/lib/libpython3.*.so.1.0; do
        if is_elf "$lib"; then add "$lib"; found=1; fi
    done
    # A static build has the interpreter in the executable itself.
    if [ -z "$found" ]; then
        for exe in "$v"/bin/python3.*; do
            if is_elf "$exe"; then add "$exe"; fi
        done
    fi
done
for f in /usr/bin/python3.* /usr/local/bin/python3.* \
         /usr/lib/*-linux-gnu/libpython3.*.so.1.0 /usr/lib/libpython3.*.so.1.0; do
    if is_elf "$f"; then add "$f"; fi
done

# Paths here hold no spaces (pyenv and system folders).
# shellcheck disable=SC2086
set -- $list
if [ $# -eq 0 ]; then
    echo "regen-tables: no interpreters found" >&2
    exit 1
fi
tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT
"$GEN_TABLES" ${DEBUG_DIRS:+--debug-dirs "$DEBUG_DIRS"} -o "$tmp" "$@"
mv "$tmp" "$out"
trap - EXIT
echo "regen-tables: wrote $out" >&2
