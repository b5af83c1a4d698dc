#!/usr/bin/env bash
# Installs the Debian packages Sluice needs to build and test, or the packages named as
# arguments instead (scripts/install-bench-deps.sh passes the benchmark peers). Idempotent and
# non-interactive: packages already present are skipped without touching apt.
set -euo pipefail

packages=(
  # build
  cmake ninja-build g++ pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev libxapian-dev zlib1g-dev liblzma-dev libisal-dev libssl-dev libxml2-dev
  libpoppler-cpp-dev libzip-dev libgmime-3.0-dev libmagic-dev libicu-dev libexttextcat-dev
  libexttextcat-data
  libcli11-dev libcurl4-openssl-dev prometheus-cpp-dev libsystemd-dev libpqxx-dev
  # test
  libgtest-dev libgmock-dev curl python3 procps
  # an independent SigV4 signer to cross-check the upload URL verifier
  python3-botocore
  # the scale-out tests: a throwaway PostgreSQL, and s3cmd reads back what landed in the bucket
  postgresql s3cmd
  # the extraction tests build encrypted PDFs
  qpdf
  # sanitizer build and format check
  clang clang-format
  # libFuzzer and the sanitizer runtimes (clang only recommends them)
  libclang-rt-14-dev
  # the conformance suite runs Coveo's Node client
  nodejs
  # the console's browser test drives Debian's chromium with playwright-core
  chromium
  # the Debian package: dpkg-shlibdeps for its Depends; its test renders the man page
  dpkg-dev man-db
)
if [ $# -gt 0 ]; then
  packages=("$@")
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

# Some nodejs builds bundle npm; only Debian's split packaging needs the npm package.
if ! command -v npm >/dev/null 2>&1 && ! printf '%s\n' "${missing[@]}" | grep -qx npm; then
  missing+=(npm)
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
