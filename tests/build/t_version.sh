#!/usr/bin/env bash
# build.version: the version smd reports (CMake's project VERSION) is the
# one debian/changelog gives the package, so a release bumps both.
#   t_version.sh SMD_BINARY SOURCE_DIR
set -euo pipefail
got=$("$1" --version)
want="smd $(dpkg-parsechangelog -l "$2/debian/changelog" -S Version)"
if [ "$got" != "$want" ]; then
	echo "smd --version says '$got', debian/changelog '$want'"
	exit 1
fi
echo "ok: $got"
