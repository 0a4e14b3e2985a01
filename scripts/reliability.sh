#!/usr/bin/env bash
# The figures of README's "Reliability" table, in one run: every fuzz harness
# for FUZZ_SECONDS (default 60), the long soak (SOAK_FLAPS=100 cable flaps,
# SOAK_RESTARTS=50 restarts), the floods of sim.trap_storm, the lying fabric
# of sim.lie and sim.deep_route and the master killed mid bring-up of
# sim.kill_bringup, all on the
# Debug build with AddressSanitizer and UBSan. Prints a Markdown table; the
# logs are in build/reliability-*.log. Exit 1 when anything failed. Takes
# about 8 minutes with the defaults.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/deps.sh >/dev/null
cmake -S . -B build -DCMAKE_BUILD_TYPE=Debug -DSMD_SANITIZE=ON >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
export SMD_BIN=$PWD/build/smd SMD_SRC=$PWD
rc=0
FUZZ_SECONDS=${FUZZ_SECONDS:-60} ./scripts/fuzz.sh >build/reliability-fuzz.log 2>&1 || rc=1
SOAK_FLAPS=${SOAK_FLAPS:-100} SOAK_RESTARTS=${SOAK_RESTARTS:-50} \
	bash tests/sim/t_soak.sh >build/reliability-soak.log 2>&1 || rc=1
bash tests/sim/t_trap_storm.sh >build/reliability-storm.log 2>&1 || rc=1
for t in lie deep_route kill_bringup; do
	bash tests/sim/t_$t.sh >build/reliability-$t.log 2>&1 || rc=1
done

# count LOG REGEX
count() { grep -Ec -- "$2" "$1" || true; }
echo "| what | figure | result |"
echo "|---|---|---|"
for h in $(sed -n 's/^fuzz: \(fuzz_[a-z0-9]*\) for .*/\1/p' build/reliability-fuzz.log); do
	n=$(sed -n "s/^fuzz: $h stat::number_of_executed_units: *//p" build/reliability-fuzz.log)
	f=$(grep -q "^fuzz: $h FAILED" build/reliability-fuzz.log && echo "FAILED" || echo "no finding")
	echo "| fuzzing: \`$h\`, ${FUZZ_SECONDS:-60} s | $n inputs | $f |"
done
flaps=${SOAK_FLAPS:-100} restarts=${SOAK_RESTARTS:-50}
soak_bad=$(count build/reliability-soak.log '^not ok')
mem=$(sed -n 's/^# RSS \(.*\)$/\1/p' build/reliability-soak.log)
echo "| cable flaps survived (every pair routed, every link Active after each) | $flaps | $([ "$soak_bad" = 0 ] && echo ok || echo "$soak_bad checks failed") |"
echo "| memory and descriptors over the flaps (ASan, no quarantine) | $mem | $(grep -q '^not ok.*flat' build/reliability-soak.log && echo grew || echo flat) |"
echo "| restarts, the same LID on every port each time | $restarts | $(grep -q '^ok.*same LIDs' build/reliability-soak.log && echo ok || echo FAILED) |"
storm_bad=$(count build/reliability-storm.log '^not ok')
echo "| floods absorbed: 300 traps 128 and 300 traps 144 from a host at 50/s, 20 SMInfo Sets with SM_Key 0 | 620 | $([ "$storm_bad" = 0 ] && echo "ok: no sweep for the 128s, at most 3 a window for the 144s, one log line a kind" || echo "$storm_bad checks failed") |"
# verdict LOG TEXT: "ok: TEXT" when LOG has no failed check
verdict() {
	local bad
	bad=$(count "$1" '^not ok')
	[ "$bad" = 0 ] && echo "ok: $2" || echo "$bad checks failed ($1)"
}
lie_n=$(sed -n 's/^# malformed replies counted: //p' build/reliability-lie.log)
echo "| a lying fabric (kumad): NumPorts 0 and 255, LocalPortNum past NumPorts, LinearFDBCap 0 and 0xffff, PortState 7 (to Gets, to Sets), a silent host, a GUID changed between sweeps, every reply 0-120 ms late and out of order | ${lie_n:-?} replies not believed | $(verdict build/reliability-lie.log "each named once and counted, the liars left out, every other port Active with its LID, no LID twice") |"
echo "| 66 switches in a chain, a port cabled to itself, a looped cable | 63 hops reached | $(verdict build/reliability-deep_route.log "what lies beyond 63 hops named once, the rest Active, unique LIDs, the loops Active") |"
take=$(sed -n 's/^# takeover after \([0-9]*\) ms/\1/p' build/reliability-kill_bringup.log | paste -sd/)
echo "| master SIGKILLed mid bring-up of 702 nodes (mid activation, mid configuration) | takeover ${take:-?} ms | $(verdict build/reliability-kill_bringup.log "every link Active, every LID the dead master gave kept, none twice") |"
exit "$rc"
