# shellcheck shell=sh disable=SC2154
# deb_checks.sh: checks of the .deb that cpack makes, sourced by
# test_install.sh (which defines fail, example_folder, check_profiled, profile_with,
# $build, $source and $work).
# Each one holds the package to what apt and dpkg need on Debian 12:
# its fields, its files, Depends that name the packages of the libraries
# its binaries link, an install apt resolves from Debian's archive, and a
# real install, in an overlay that leaves this machine as it was.

# check_fields DEB: the control fields apt shows a user and dpkg checks.
check_fields() {
  version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
  [ "$(dpkg-deb -f "$1" Package)" = fixingahole ] || fail "Package is not fixingahole"
  [ "$(dpkg-deb -f "$1" Version)" = "$version" ] ||
    fail "Version $(dpkg-deb -f "$1" Version), the project's is $version"
  [ "$(dpkg-deb -f "$1" Architecture)" = "$(dpkg --print-architecture)" ] ||
    fail "Architecture $(dpkg-deb -f "$1" Architecture), this machine's is $(dpkg --print-architecture)"
  dpkg-deb -f "$1" Maintainer | grep -Eq '^[^<>]+ <[^<>@ ]+@[^<> ]+>$' ||
    fail "Maintainer '$(dpkg-deb -f "$1" Maintainer)' is not 'Name <address>'"
  [ -n "$(dpkg-deb -f "$1" Description)" ] || fail "no Description"
  echo "fields: $(dpkg-deb -f "$1" Package Version Architecture Maintainer | tr '\n' ' ')"
}

# check_contents DEB: the installed layout under /usr, owned by root, with
# the executables executable; nothing outside /usr.
check_contents() {
  dpkg-deb -c "$1" >"$work/contents" || fail "dpkg-deb -c"
  for f in bin/fixingahole bin/fixingaholed lib/fixingahole/libfixingahole_alloc.so \
           share/fixingahole/fixingahole_bootstrap.py share/fixingahole/fixingahole_bootstrap_main.py \
           share/man/man1/fixingahole.1 share/man/man8/fixingaholed.8; do
    grep -Eq " \./usr/$f(\.gz)?\$" "$work/contents" || fail "the package lacks /usr/$f"
  done
  for f in bin/fixingahole bin/fixingaholed; do
    grep -Eq "^-rwxr-xr-x root/root .* \./usr/$f\$" "$work/contents" ||
      fail "/usr/$f is not an executable owned by root: $(grep " ./usr/$f\$" "$work/contents")"
  done
  awk '$2 != "root/root" || $NF !~ /^\.\/(usr\/.*)?$/' "$work/contents" >"$work/stray"
  [ -s "$work/stray" ] && { cat "$work/stray"; fail "entries outside /usr or not owned by root"; }
  echo "contents: $(wc -l <"$work/contents") entries under /usr, owned by root"
}

# linked_libraries DIR: "ELF SONAME PATH" for every library each packaged
# ELF file under DIR names in its NEEDED entries, as this machine loads it.
linked_libraries() {
  for elf in "$1"/usr/bin/* "$1"/usr/lib/fixingahole/*.so; do
    ldd "$elf" >"$work/ldd" || fail "ldd $elf"
    for soname in $(readelf -d "$elf" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
      path=$(sed -n "s|^[[:space:]]*$soname => \([^ ]*\) .*|\1|p" "$work/ldd")
      [ -n "$path" ] || fail "$(basename "$elf") links $soname, which ldd does not find"
      echo "$(basename "$elf") $soname $path"
    done
  done
}

# owners PATH...: "PATH PACKAGE" for each path dpkg knows, trying each
# under /usr and without it and through its symlink (usrmerge: dpkg may
# record either); the ground truth for Depends.
owners() {
  for path in "$@"; do
    real=$(readlink -f "$path")
    for p in "$path" "$real"; do echo "${p#/usr}"; echo "/usr${p#/usr}"; done
  done | sort -u | xargs dpkg -S 2>/dev/null | sed 's/^\([^:,]*\)[^ ]* \(.*\)/\2 \1/'
}

# check_depends DEB: every library a packaged ELF file links is provided by
# a package Depends names (as dpkg-shlibdeps computes it, versioned), plus
# python3; no -dev package. Unpacks DEB into $work/unpacked.
check_depends() {
  depends=$(dpkg-deb -f "$1" Depends)
  echo "Depends: $depends"
  names=" $(echo "$depends" | tr ',|' '\n\n' | sed 's/(.*//; s/:.*//' | tr -d ' ' | tr '\n' ' ') "
  echo "$names" | grep -q -- "-dev " && fail "the package depends on a -dev package"
  case "$names" in *" python3 "*) ;; *) fail "the package does not depend on python3" ;; esac
  echo "$depends" | grep -Eq 'libc6 \(>= [0-9]' ||
    fail "no versioned libc6 in Depends: dpkg-shlibdeps did not run"
  dpkg-deb -x "$1" "$work/unpacked" || fail "dpkg-deb -x"
  linked_libraries "$work/unpacked" >"$work/linked" || exit 1
  # shellcheck disable=SC2046
  owners $(cut -d' ' -f3 "$work/linked" | sort -u) >"$work/owners"
  while read -r elf soname path; do
    real=$(readlink -f "$path")
    pkg=$(awk -v a="${path#/usr}" -v b="${real#/usr}" \
          '{ p = $1; sub(/^\/usr/, "", p) } p == a || p == b { print $2; exit }' "$work/owners")
    [ -n "$pkg" ] || fail "$elf links $soname ($path), which no package provides"
    case "$names" in
      *" $pkg "*) ;;
      *) fail "$elf links $soname from $pkg, which Depends does not name" ;;
    esac
  done <"$work/linked"
  echo "Depends names the package of each of the $(wc -l <"$work/linked") libraries the binaries link"
}

# check_archive_resolves DEB: `apt-get install --simulate` against an empty
# dpkg status, as on a machine with nothing installed: every package apt
# would install besides this one comes from Debian 12's archive, and none
# is removed. A visible skip when apt has no package lists.
check_archive_resolves() {
  if ! ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1; then
    echo "skipped: resolving Depends from Debian's archive (no apt lists: run apt-get update)"
    return 0
  fi
  : >"$work/empty-status"
  DEBIAN_FRONTEND=noninteractive apt-get install --simulate --no-install-recommends \
    -o Dir::State::status="$work/empty-status" -o Dir::Cache::pkgcache= "$1" \
    >"$work/apt-sim.log" 2>&1 || { cat "$work/apt-sim.log"; fail "apt-get install --simulate"; }
  grep -q "^Inst fixingahole " "$work/apt-sim.log" ||
    { cat "$work/apt-sim.log"; fail "apt-get --simulate would not install fixingahole"; }
  grep "^Inst " "$work/apt-sim.log" | grep -v "^Inst fixingahole " |
    grep -Ev " Debian(-Security)?:12[-.0-9]*/" >"$work/apt-foreign"
  [ -s "$work/apt-foreign" ] &&
    { cat "$work/apt-foreign"; fail "dependencies that are not from Debian 12's archive"; }
  grep -q "^Remv " "$work/apt-sim.log" &&
    { cat "$work/apt-sim.log"; fail "installing the package would remove packages"; }
  echo "apt-get --simulate on an empty system: $(grep -c '^Inst ' "$work/apt-sim.log") packages, all from Debian 12"
}

# install_in_overlay DEB: `apt-get install` of DEB and the installed client
# profiling the example, in an overlay of this root
# (in_overlay.sh). Without overlayfs, a visible skip, and the unpacked
# package tree profiles the example instead.
install_in_overlay() {
  example_folder apt-installed
  unshare --mount --propagation private \
    sh "$source/tests/install/in_overlay.sh" "$work" "$1" "$build" "$source" >"$work/overlay.log" 2>&1
  status=$?
  if [ $status -eq 90 ]; then
    echo "skipped: apt-get install of the .deb (no overlayfs over / in a mount namespace); its unpacked tree is profiled instead"
    profile_with "$work/unpacked/usr" packaged
    return 0
  fi
  [ $status -eq 0 ] || { cat "$work/overlay.log"; fail "installing the package with apt-get"; }
  grep -qx "profile exit status 0" "$work/apt-installed.status" ||
    { cat "$work/apt-installed.out"; fail "apt-installed: /usr/bin/fixingahole $(cat "$work/apt-installed.status")"; }
  check_profiled apt-installed
  echo "apt-get install, then profiled with /usr/bin/fixingahole: done"
}
