#!/usr/bin/env bash
# Installs what `make bench` measures Sluice against: the peers and limits (nginx, wrk, igzip,
# libdeflate, gzip, SQLite, PostgreSQL, the libraries the peer programs in bench/peers/ link)
# from Debian, and s3rver from npm into bench/node_modules. Idempotent and non-interactive:
# apt is skipped when every package is present, npm when bench/node_modules matches the lock.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(nginx wrk isal libdeflate-tools gzip sqlite3 postgresql groff-base man-db libxml2-dev
  poppler-utils libxml2-utils qpdf
  libxapian-dev libisal-dev libdeflate-dev zlib1g-dev manpages manpages-dev curl gcc g++ nodejs
  python3 procps)
./scripts/install-deps.sh "${packages[@]}"

# s3rver, pinned by bench/package-lock.json. npm records what it installed in
# node_modules/.package-lock.json; a lock newer than that record means a reinstall.
if [ ! -f bench/node_modules/s3rver/bin/s3rver.js ] ||
   [ bench/package-lock.json -nt bench/node_modules/.package-lock.json ]; then
  echo "install-bench-deps: npm ci (s3rver) in bench/"
  npm ci --prefix bench --no-audit --no-fund --loglevel=error
fi
