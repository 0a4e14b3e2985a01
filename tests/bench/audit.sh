#!/usr/bin/env bash
# tests/bench/audit.sh -- what the drift audit costs on a large fabric. For
# each fabric (default: fattree-36x18, 702 nodes, and fattree-128x64, 8,384
# nodes; see common.sh), a fresh ibsim and smd on h0 with its defaults but
# for sweep_interval (BENCH_AUDIT_INTERVAL, default 1 s, so a round takes
# a minute, not several: the number of light sweeps a round takes does not
# depend on it) and audit_budget (BENCH_AUDIT_BUDGET, default smd's, 1024).
# It waits for smd's first complete round ("audit: the whole fabric read
# back: R reads over L light sweeps (a slice took at most S ms)"), then asks
# `smctl sweep` and waits for "forced sweep: B forwarding table blocks read
# back ... in T ms". Per fabric it prints: the reads of a round (every linked
# CA port and switch port 0, every LFT block smd wrote), the light sweeps it
# took, the SMPs of one light sweep (SwitchInfo of every switch, smd's light
# sweep before the audit, plus the audit's slice), the time a round takes at
# the default sweep_interval of 10 s, the slowest slice (first read to last
# reply) and the forced sweep's read-back.
#   SMD_BIN=$PWD/build-rel/smd bash tests/bench/audit.sh [FABRIC...]
SIM_MAX_LIFE=${SIM_MAX_LIFE:-3600}
SMD_MAX_LIFE=${SMD_MAX_LIFE:-3600}
. "$(dirname "$0")/common.sh"
need_smd
SMD_LOG_LEVEL=info
INTERVAL=${BENCH_AUDIT_INTERVAL:-1}
BUDGET=${BENCH_AUDIT_BUDGET:-1024}
WAIT_S=${BENCH_AUDIT_WAIT_S:-1200}

printf '| fabric | nodes | switches | reads a round | light sweeps a round | SMPs a light sweep | round at sweep_interval 10 s | slowest slice (ms) | smctl sweep: blocks read, ms |\n'
printf '|---|---|---|---|---|---|---|---|---|\n'
for fab in ${*:-fattree-36x18 fattree-128x64}; do
	fabric "$fab"
	sim_start "$NET" "${FAB_SIMARGS[@]}"
	SM_STATE_DIR=$WORK/state-$fab smd_conf h0 "sweep_interval = $INTERVAL" \
		"audit_budget = $BUDGET" >/dev/null
	smd_start h0
	wait_until "$WAIT_S" log_has "$SMD_LOG" "audit: the whole fabric read back" ||
		fail "$fab: no complete audit round within $WAIT_S s ($SMD_LOG)"
	line=$(grep -m1 "audit: the whole fabric read back" "$SMD_LOG")
	[[ $line =~ read\ back:\ ([0-9]+)\ reads\ over\ ([0-9]+)\ light\ sweep.*at\ most\ ([0-9.]+)\ ms ]] ||
		fail "$fab: cannot read '$line'"
	reads=${BASH_REMATCH[1]} sweeps=${BASH_REMATCH[2]} slice=${BASH_REMATCH[3]}
	must "$fab: smctl sweep" smctl h0 sweep >/dev/null
	wait_until 300 log_has "$SMD_LOG" "forced sweep: " || fail "$fab: no forced sweep line"
	forced=$(grep -m1 "forced sweep: " "$SMD_LOG")
	[[ $forced =~ sweep:\ ([0-9]+)\ forwarding.*differed.*in\ ([0-9]+)\ ms ]] ||
		fail "$fab: cannot read '$forced'"
	per=$((NET_SWITCHES + (reads < BUDGET ? reads : BUDGET)))
	printf '| %s | %s | %s | %s | %s | %s | %s s | %s | %s, %s |\n' "$fab" "$NET_NODES" \
		"$NET_SWITCHES" "$reads" "$sweeps" "$per" $((sweeps * 10)) "$slice" \
		"${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
	smd_stop "$SMD_PID"
	sim_stop
done
