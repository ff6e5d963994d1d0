#!/bin/sh
# Installs, from Debian 12's own archive, exactly what ccattest needs to build and run its tests.
# Idempotent; runs as root (re-running itself through sudo when started as another user). Packages already present are left as they are.
set -eu

packages="
  build-essential cmake ninja-build pkg-config binutils
  clang clang-format clang-tidy libclang-rt-dev
  libssl-dev libxml2-dev libxmlsec1-dev
  libboost1.81-dev libboost-json1.81-dev libboost-log1.81-dev libboost-test1.81-dev
  libboost-filesystem1.81-dev libboost-program-options1.81-dev
"

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    exec sudo "$0" "$@"
  fi
  echo "install-deps.sh: run as root (sudo is not installed)" >&2
  exit 2
fi

missing=""
for package in $packages; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $package"
  fi
done

if [ -z "$missing" ]; then
  echo "install-deps.sh: all build and test dependencies are installed"
  exit 0
fi

echo "install-deps.sh: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086 # word splitting of the package list is intended
apt-get install -y -q --no-install-recommends $missing
