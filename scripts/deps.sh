#!/bin/sh
# Install every Debian package smd's build, demo and tests need;
# `deps.sh package` adds the tools scripts/package.sh builds and lints the
# Debian package with. Runs apt-get update only when something is missing;
# skips what is present.
set -eu

PKGS="build-essential cmake pkg-config time strace clang
libibumad-dev libibmad-dev libevent-dev libinih-dev libcmocka-dev
libsystemd-dev systemd groff-base
ibsim-utils libumad2sim0 infiniband-diags opensm
python3-prometheus-client curl"
[ "${1:-}" != package ] || PKGS="$PKGS debhelper dpkg-dev fakeroot lintian"

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    echo "deps: all packages present"
    exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "deps: installing$missing"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends $missing
