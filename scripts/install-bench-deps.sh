#!/usr/bin/env bash
# Installs what `make bench` measures Sluice against: the peers and limits (nginx, wrk, igzip,
# libdeflate, gzip, SQLite, PostgreSQL, the libraries the peer programs in bench/peers/ link)
# from Debian, and s3rver from npm into bench/node_modules. Idempotent and non-interactive:
# apt is skipped when every package is present, npm when bench/node_modules matches the lock.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES="nginx wrk isal libdeflate-tools gzip sqlite3 postgresql groff-base man-db libxml2-dev libxapian-dev libisal-dev libdeflate-dev zlib1g-dev manpages manpages-dev curl gcc g++ nodejs python3 procps"

missing=()
for p in $PACKAGES; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
# Some nodejs builds bundle npm; only Debian's split packaging needs the npm package.
if ! command -v npm >/dev/null 2>&1; then
  missing+=(npm)
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-bench-deps: installing ${missing[*]}"
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    sudo_cmd=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -q
  "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# s3rver, pinned by bench/package-lock.json. npm records what it installed in
# node_modules/.package-lock.json; a lock newer than that record means a reinstall.
if [ ! -f bench/node_modules/s3rver/bin/s3rver.js ] ||
   [ bench/package-lock.json -nt bench/node_modules/.package-lock.json ]; then
  echo "install-bench-deps: npm ci (s3rver) in bench/"
  npm ci --prefix bench --no-audit --no-fund --loglevel=error
fi
