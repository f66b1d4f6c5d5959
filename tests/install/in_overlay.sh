#!/bin/sh
# in_overlay.sh WORK DEB BUILD SOURCE, run by `unshare --mount`: installs
# DEB with apt-get as a user does, into an overlay of this machine's root
# (writes go to a tmpfs, dropped with the mount namespace: the machine
# itself is never changed, and no network is needed since apt finds the
# dependencies installed). With BUILD hidden, the installed
# /usr/bin/fixingahole profiles the example in WORK/apt-installed (its
# exit status goes to WORK/apt-installed.status).
# Exit 0 done, 90 no overlay (the caller skips), anything else failed.
set -u
work=$1 deb=$2 build=$3 source=$4
layers="$work/overlay"
mkdir -p "$layers"
mount -t tmpfs none "$layers" || exit 90
mkdir "$layers/upper" "$layers/scratch" "$layers/root"
root="$layers/root"
mount -t overlay overlay -o "lowerdir=/,upperdir=$layers/upper,workdir=$layers/scratch" "$root" ||
  exit 90
for d in proc dev sys; do mount --rbind "/$d" "$root/$d" || exit 90; done
# WORK itself, not the overlay's copy of it: the results come back to the
# caller. Then the build tree hidden, as in the other steps. (Either may be
# on a file system of its own, which the overlay of / does not show.)
mkdir -p "$root$work" "$root$build" || exit 92
mount --bind "$work" "$root$work" && mount -t tmpfs none "$root$build" || exit 92
cp "$source/tests/install/profile_example.sh" "$work/" || exit 92
in_root() { chroot "$root" env DEBIAN_FRONTEND=noninteractive "$@"; }

in_root apt-get install -y --no-install-recommends "$deb" >"$work/apt-install.log" 2>&1 ||
  { cat "$work/apt-install.log"; echo "FAILED: apt-get install $deb"; exit 1; }
if grep -q "REMOVED" "$work/apt-install.log"; then
  cat "$work/apt-install.log"; echo "FAILED: apt-get install removed packages"; exit 1
fi
in_root dpkg-query -W -f '${Status}\n' fixingahole | grep -q "install ok installed" ||
  { echo "FAILED: dpkg does not list fixingahole as installed"; exit 1; }
# postinst compiled the bootstrap's module for python3 (cmake/deb/postinst).
boot=/usr/share/fixingahole
tag=$(in_root python3 -c 'import sys; print(sys.implementation.cache_tag)')
[ -f "$root$boot/__pycache__/fixingahole_bootstrap_main.$tag.pyc" ] ||
  { echo "FAILED: postinst left no $boot/__pycache__/fixingahole_bootstrap_main.$tag.pyc"; exit 1; }
in_root sh "$work/profile_example.sh" "$work/apt-installed" /usr \
  >"$work/apt-installed.out" 2>&1
echo "profile exit status $?" >"$work/apt-installed.status"
# Removing the package leaves nothing of it: the bytecode is no package file.
in_root apt-get purge -y fixingahole >"$work/apt-purge.log" 2>&1 ||
  { cat "$work/apt-purge.log"; echo "FAILED: apt-get purge fixingahole"; exit 1; }
[ -e "$root$boot" ] && { ls -R "$root$boot"; echo "FAILED: apt-get purge left $boot"; exit 1; }
exit 0
