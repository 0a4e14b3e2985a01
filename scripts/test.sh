#!/usr/bin/env bash
# Install what is missing, build smd (Debug, AddressSanitizer + UBSan: any
# finding fails the test) into build/ and run every test with CTest: unit
# tests and the ibsim simulation tests (tests/sim).
#   ./scripts/test.sh                  everything
#   ./scripts/test.sh -R sim.pair_up   extra arguments go to ctest
#   SMD_SANITIZE=OFF ./scripts/test.sh without the sanitizers
# Exits with ctest's status.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Debug -DSMD_SANITIZE="${SMD_SANITIZE:-ON}"
cmake --build build -j"$(nproc)"

exec ctest --test-dir build --output-on-failure -j2 "$@"
