#!/usr/bin/env bash
# Build the libFuzzer harnesses (tests/fuzz/fuzz_*.c) with clang, AddressSanitizer
# and UBSan into build-fuzz/, and run each for FUZZ_SECONDS (default 30) from its
# seed corpus (tests/fuzz/corpus/<harness>/, smd.conf's example for the
# configuration). New inputs go to a scratch directory, never into the repo; a
# crash, a leak, a sanitizer finding or a timeout fails, and the input that did
# it is left as build-fuzz/<harness>-crash-* (add it to the corpus once fixed:
# every finding becomes a regression input).
#   ./scripts/fuzz.sh                  every harness, 30 s each
#   FUZZ_SECONDS=600 ./scripts/fuzz.sh fuzz_sa
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/deps.sh
all=(fuzz_sa fuzz_config fuzz_guid2lid fuzz_elect fuzz_sm fuzz_lidfile fuzz_smp fuzz_partitions)
[ $# -gt 0 ] && all=("$@")
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DSMD_FUZZ=ON >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target "${all[@]}"
secs=${FUZZ_SECONDS:-30}
rc=0
for h in "${all[@]}"; do
	scratch=$(mktemp -d)
	cp tests/fuzz/corpus/"$h"/* "$scratch"/ 2>/dev/null || true
	[ "$h" = fuzz_config ] && cp conf/smd.conf "$scratch"/example.conf
	echo "fuzz: $h for $secs s, $(ls "$scratch" | wc -l) seeds"
	tmpd=$(mktemp -d)     # the harness's own files (TMPDIR), gone after it
	if ! TMPDIR=$tmpd ./build-fuzz/"$h" -max_total_time="$secs" -max_len=1024 -timeout=10 \
		-rss_limit_mb=1024 -print_final_stats=1 -artifact_prefix=build-fuzz/"$h"- \
		"$scratch" >build-fuzz/"$h".log 2>&1; then
		echo "fuzz: $h FAILED (build-fuzz/$h.log):"
		grep -E "ERROR|SUMMARY|Test unit written" build-fuzz/"$h".log | head -5
		rc=1
	fi
	grep -E "^stat::number_of_executed_units|^stat::new_units_added" build-fuzz/"$h".log |
		sed "s/^/fuzz: $h /"
	rm -rf "$scratch" "$tmpd"
done
exit "$rc"
