#!/bin/sh
# profile_example.sh DIR PREFIX: in DIR (which holds advanced.py), profiles
# the bundled example with PREFIX/bin/fixingahole and a daemon of its own
# (socket in DIR), then stops that daemon. Exit status: the client's.
# Run by test_install.sh where the build tree is hidden.
cd "$1" || exit 91
export FIXINGAHOLE_SOCKET="$1/d.sock"
unset FIXINGAHOLE_DAEMON
"$2/bin/fixingahole" profile --python /usr/bin/python3 advanced.py --memory -- --scale 0.3
status=$?
"$2/bin/fixingahole" daemon stop >/dev/null 2>&1
exit $status
