#!/usr/bin/env bash
# The Debian package (cmake/Packaging.cmake): builds the .deb with CPack from a configured and
# built tree, installs it with dpkg into a scratch root (its own dpkg database; the system's is
# never touched), then checks what landed: files, conffile, the maintainer scripts' user and
# backup directory, the unit against the installed files, the installed binary reading the
# installed configuration, the man page, and a purge.
#   tests/package/test_deb.sh BUILD_DIR     (ctest: package_deb; SLUICE_CPACK names cpack)
# Prints PASS/FAIL/SKIP per check and a closing line with the counts; exits 1 on any failure.
set -uo pipefail

build_dir=${1:?usage: test_deb.sh BUILD_DIR}
build_dir=$(cd "$build_dir" && pwd)
cpack=${SLUICE_CPACK:-cpack}
# dpkg and the maintainer scripts need ldconfig, useradd and friends.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

passed=0
failed=0
skipped=0
pass() { echo "PASS: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
skip() { echo "SKIP: $*"; skipped=$((skipped + 1)); }
# check DESCRIPTION COMMAND...: passes when COMMAND succeeds.
check() {
  local what=$1
  shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}
finish() {
  echo "package_deb: $passed checks passed, $failed failed, $skipped skipped"
  [ "$failed" -eq 0 ] && exit 0
  exit 1
}
# Runs a command, its output into a file; shows the file when the command fails.
logged() {
  local log=$1
  shift
  if "$@" >"$log" 2>&1; then return 0; fi
  sed 's/^/    /' "$log"
  return 1
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sluice-deb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root

# What the system says before, to prove afterwards that nothing of it changed.
system_status_before=$(dpkg-query -W -f='${Status}' sluice 2>/dev/null || true)
system_user_before=$(grep -c '^sluice:' /etc/passwd || true)

# ---- Build the package.
if ! command -v "$cpack" >/dev/null 2>&1 || ! command -v dpkg >/dev/null 2>&1; then
  skip "cpack or dpkg not installed; no package to test"
  finish
fi
if [ ! -f "$build_dir/CPackConfig.cmake" ]; then
  fail "no CPackConfig.cmake in $build_dir (is cmake/Packaging.cmake included?)"
  finish
fi
version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$build_dir/CPackConfig.cmake")
deb=$tmp/out/sluice_${version}_$(dpkg --print-architecture).deb
started=$(date +%s)
if ! logged "$tmp/cpack.log" "$cpack" -G DEB --config "$build_dir/CPackConfig.cmake" -B "$tmp/out" ||
  [ ! -f "$deb" ]; then
  fail "cpack -G DEB builds $(basename "$deb")"
  ls "$tmp/out" 2>/dev/null
  finish
fi
pass "cpack -G DEB built $(basename "$deb") in $(($(date +%s) - started)) s ($(du -k "$deb" | cut -f1) KiB)"

field() { dpkg-deb -f "$deb" "$1"; }
check "control: Package sluice, Version $version, Section net" \
  test "$(field Package) $(field Version) $(field Section)" = "sluice $version net"
check "control: a Maintainer and a Description" test -n "$(field Maintainer)" -a -n "$(field Description)"
depends=$(field Depends)
check "control: Depends on adduser (the maintainer scripts)" grep -q 'adduser' <<<"$depends"
if command -v dpkg-shlibdeps >/dev/null 2>&1; then
  check "control: Depends from dpkg-shlibdeps (libc6 with a version)" \
    grep -Eq 'libc6 \(>= [0-9.]+\)' <<<"$depends"
else
  check "control: explicit Depends (libc6, libxapian30)" \
    grep -q 'libc6.*libxapian30\|libxapian30.*libc6' <<<"$depends"
fi
outside=$(dpkg-deb -c "$deb" | awk '{print $6}' | grep -Ev '^\./(usr|etc)/' || true)
check "contents: only under /usr and /etc" test -z "$outside"

# ---- Install it into a scratch root with a database of its own.
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/etc"
touch "$root/var/lib/dpkg/status" "$root/var/lib/dpkg/available" "$root/etc/passwd" "$root/etc/group"
# --root: instdir and admindir in the scratch root. --force-depends: the root has none of the
# libraries. --force-script-chrootless: the root has no shell to chroot into; the maintainer
# scripts then get DPKG_ROOT and act inside it. --log: not the system's dpkg.log.
# --path-include: whatever path-exclude this system's dpkg.cfg.d has (slim container images
# drop /usr/share/man and /usr/share/doc), every file of the package lands.
dpkg_in_root=(dpkg "--root=$root" "--admindir=$root/var/lib/dpkg" "--log=$tmp/dpkg.log"
  --force-depends --force-script-chrootless "--path-include=*")
if [ "$(id -u)" -ne 0 ]; then
  if command -v fakeroot >/dev/null 2>&1; then
    dpkg_in_root=(fakeroot "${dpkg_in_root[@]}")
  else
    skip "not root and no fakeroot: dpkg cannot install into the scratch root"
    finish
  fi
fi
if ! logged "$tmp/install.log" "${dpkg_in_root[@]}" --install "$deb"; then
  fail "dpkg --root installs the package"
  finish
fi
pass "dpkg --root=<scratch> --install"

query() { dpkg-query --admindir="$root/var/lib/dpkg" -W -f="$1" sluice; }
# shellcheck disable=SC2016 # dpkg-query's ${Field}, not the shell's
check "dpkg status in the root: install ok installed" test "$(query '${Status}')" = "install ok installed"
# shellcheck disable=SC2016
check "/etc/sluice/sluice.conf is a conffile" grep -q '^ /etc/sluice/sluice.conf [0-9a-f]\{32\}$' \
  <<<"$(query '${Conffiles}')"
check "/usr/bin/sluice installed, executable" test -f "$root/usr/bin/sluice" -a -x "$root/usr/bin/sluice"
unit=""
for dir in lib/systemd/system usr/lib/systemd/system; do
  [ -f "$root/$dir/sluice.service" ] && unit=$root/$dir/sluice.service
done
check "sluice.service installed in /lib/systemd/system or /usr/lib/systemd/system" test -n "$unit"
conf=$root/etc/sluice/sluice.conf
check "/etc/sluice/sluice.conf installed" test -f "$conf"
man_page=$root/usr/share/man/man1/sluice.1.gz
check "man page /usr/share/man/man1/sluice.1.gz, valid gzip" gzip -t "$man_page"
check "README in /usr/share/doc/sluice" test -s "$root/usr/share/doc/sluice/README.md"

# The maintainer scripts: the system user and the backup directory, in the root.
user_line=$(grep '^sluice:' "$root/etc/passwd" || true)
check "postinst made the system user sluice (nologin, home /var/lib/sluice)" \
  grep -Eq '^sluice:[^:]*:[0-9]+:[0-9]+:[^:]*:/var/lib/sluice:/usr/sbin/nologin$' <<<"$user_line"
uid=$(cut -d: -f3 <<<"$user_line")
check "postinst made /var/backups/sluice, mode 750, owned by sluice" \
  test "$(stat -c '%a %u' "$root/var/backups/sluice" 2>/dev/null)" = "750 $uid"

# ---- The unit against the installed files.
if [ -n "$unit" ]; then
  setting() { sed -n "s/^$1=//p" "$unit" | tail -1; }
  read -r -a exec_start <<<"$(setting ExecStart)"
  binary=${exec_start[0]:-}
  config_file=""
  for i in "${!exec_start[@]}"; do
    [ "${exec_start[$i]}" = --config ] && config_file=${exec_start[$((i + 1))]:-}
  done
  check "unit: ExecStart binary $binary exists in the root, executable" \
    test -n "$binary" -a -x "$root$binary" -a ! -d "$root$binary"
  check "unit: ExecStart --config $config_file exists in the root" test -n "$config_file" -a -f "$root$config_file"
  check "unit: Type=notify, NotifyAccess=main, WatchdogSec=30s" \
    test "$(setting Type) $(setting NotifyAccess) $(setting WatchdogSec)" = "notify main 30s"
  check "unit: User=$(setting User) exists in the root's /etc/passwd" \
    grep -q "^$(setting User):" "$root/etc/passwd"
  check "unit: StateDirectory=sluice is the configuration's data-dir" \
    test "/var/lib/$(setting StateDirectory)" = "$(sed -n 's/^data-dir *= *//p' "$conf")"
  check "unit: ReadWritePaths names the backup directory postinst made" \
    test -d "$root$(setting ReadWritePaths | sed 's/^-//')"
fi

# ---- The installed binary with the installed configuration (on this system's libraries).
sluice=$root/usr/bin/sluice
# No SLUICE_* variable of the caller may override the file.
run_sluice() { env -i PATH=/usr/bin:/bin HOME="$tmp" "$sluice" "$@"; }
serve_help=$(run_sluice serve --help 2>&1)
if grep -q -- '--print-config' <<<"$serve_help"; then
  if logged "$tmp/effective.txt" run_sluice serve --config "$conf" --print-config; then
    pass "sluice serve --config <root>/etc/sluice/sluice.conf --print-config exits 0"
  else
    fail "sluice serve --config <root>/etc/sluice/sluice.conf --print-config exits 0"
  fi
  for expected in 'data-dir = /var/lib/sluice' 'listen = 127.0.0.1:8080' 'log-format = json'; do
    check "effective settings show '$expected'" grep -qx "$expected" "$tmp/effective.txt"
  done
  # Every commented default, uncommented, must be accepted and change nothing: the file
  # documents the real defaults under the real names. (Keys shown without a default or with an
  # example value are left commented.)
  sed -E 's/^#([a-z][a-z0-9-]*) = (.+)$/\1 = \2/; s/^(public-url = )/#\1/' "$conf" >"$tmp/defaults.conf"
  # --print-config shows a flag left at its default (ignore-queue-delay) with an empty value;
  # the file spells it `false`.
  empty_is_false() { sed -E 's/ = $/ = false/' "$1"; }
  if logged "$tmp/defaults.txt" run_sluice serve --config "$tmp/defaults.conf" --print-config &&
    diff -u <(empty_is_false "$tmp/effective.txt") <(empty_is_false "$tmp/defaults.txt"); then
    pass "every commented default in sluice.conf is accepted and is the real default"
  else
    fail "every commented default in sluice.conf is accepted and is the real default"
  fi
  # RestartPreventExitStatus=2 in the unit counts on this.
  printf 'workers = many\nno-such-key = 1\n' >"$tmp/bad.conf"
  run_sluice serve --config "$tmp/bad.conf" --print-config >"$tmp/bad.txt" 2>&1
  status=$?
  check "a bad configuration file exits 2 (got $status), naming each mistake" \
    test "$status" -eq 2 -a "$(grep -c 'workers\|no-such-key' "$tmp/bad.txt")" -ge 2
else
  check "sluice serve --help runs (this build has no --print-config yet)" \
    logged "$tmp/serve-help.txt" run_sluice serve --help
  check "sluice.conf sets data-dir = /var/lib/sluice" grep -qx 'data-dir = /var/lib/sluice' "$conf"
fi

# Every setting of `serve --help` has a key in sluice.conf and an entry in the man page, and
# every command of `sluice --help` is in the man page's synopsis.
man_source=$(zcat "$man_page" 2>/dev/null)
missing_conf=""
missing_man=""
while read -r name; do
  case $name in help | config | print-config) continue ;; esac
  grep -Eq "^#?$name =" "$conf" || missing_conf+=" $name"
  grep -qF -- "\\-\\-${name//-/\\-}" <<<"$man_source" || missing_man+=" $name"
done < <(grep -oE '^ +--[a-z][a-z0-9-]*' <<<"$serve_help" | sed 's/^ *--//')
check "every serve setting has a key in sluice.conf${missing_conf:+ (missing:$missing_conf)}" test -z "$missing_conf"
check "every serve setting is in the man page${missing_man:+ (missing:$missing_man)}" test -z "$missing_man"
missing_commands=""
commands=$(run_sluice --help | sed -n '/^Subcommands:/,$p' | awk 'NR > 1 && NF { print $1 }')
for command in $commands; do
  grep -qx "\\.B sluice $command" <<<"$man_source" || missing_commands+=" $command"
done
check "every command of sluice --help ($(tr '\n' ' ' <<<"$commands" | sed 's/ $//')) is in the man page${missing_commands:+ (missing:$missing_commands)}" \
  test -n "$commands" -a -z "$missing_commands"

# ---- The man page renders without a warning.
if command -v man >/dev/null 2>&1 && man --version >/dev/null 2>&1; then
  LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$man_page" >"$tmp/man.txt" 2>"$tmp/man.err"
  status=$?
  check "man -l renders the man page without warnings" test "$status" -eq 0 -a ! -s "$tmp/man.err" \
    -a -s "$tmp/man.txt"
  sed 's/^/    /' "$tmp/man.err"
elif command -v groff >/dev/null 2>&1; then
  zcat "$man_page" | LC_ALL=C.UTF-8 groff -man -ww -z -t >"$tmp/man.err" 2>&1
  status=$?
  check "groff renders the man page without warnings" test "$status" -eq 0 -a ! -s "$tmp/man.err"
  sed 's/^/    /' "$tmp/man.err"
else
  skip "neither man-db nor groff installed: man page not rendered"
fi

# ---- systemd-analyze verify, on a copy of the unit whose paths point into the root (it checks
# the ExecStart binary on this system). --man=no: the page is not installed here; it was checked
# above.
if [ -z "$unit" ]; then
  skip "no unit to verify"
elif ! command -v systemd-analyze >/dev/null 2>&1; then
  skip "systemd-analyze not installed: unit not verified"
else
  mkdir -p "$tmp/verify"
  sed -E "s#^ExecStart=/#ExecStart=$root/#; s#--config /#--config $root/#" "$unit" >"$tmp/verify/sluice.service"
  (cd "$tmp/verify" && systemd-analyze verify --man=no ./sluice.service) >"$tmp/verify.log" 2>&1
  status=$?
  check "systemd-analyze verify: no error or warning" test "$status" -eq 0 -a ! -s "$tmp/verify.log"
  sed 's/^/    /' "$tmp/verify.log"
  exposure=$(cd "$tmp/verify" && systemd-analyze security --offline=yes ./sluice.service 2>/dev/null |
    sed -n 's/.*Overall exposure level for sluice.service: //p')
  [ -n "$exposure" ] && echo "info: systemd-analyze security: exposure $exposure"
fi

# ---- Purge: the package's files and its conffile go; the data and the backups stay.
if logged "$tmp/purge.log" "${dpkg_in_root[@]}" --purge sluice; then
  pass "dpkg --root --purge sluice"
  check "after the purge: binary, unit and conffile gone; /var/backups/sluice kept" \
    test ! -e "$root/usr/bin/sluice" -a ! -e "$conf" -a -z "$(find "$root" -name sluice.service)" \
    -a -d "$root/var/backups/sluice"
else
  fail "dpkg --root --purge sluice"
fi

# ---- Nothing of this system changed.
check "the system's dpkg database does not know of this install" \
  test "$(dpkg-query -W -f='${Status}' sluice 2>/dev/null || true)" = "$system_status_before"
check "the system's /etc/passwd is unchanged" \
  test "$(grep -c '^sluice:' /etc/passwd || true)" = "$system_user_before"

finish
