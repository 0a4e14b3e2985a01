#!/usr/bin/env bash
# tests/bench/joins.sh -- what a multicast join costs as groups pile up, smd
# next to OpenSM, same machine, same run (issue 16: smd rebuilt its whole
# multicast plan at every join, 1.1 s for the first 2,000 joins and 3.0 s for
# joins 4,000-6,000). For each SM, a fresh ibsim of the fabric (switches
# holding BENCH_MLIDS multicast LIDs, default 8192, so every group fits),
# the SM a daemon on h0 (its defaults), and once the IPoIB broadcast group
# is served, one host (h1) sends JOINS (default 6000) group-creating joins,
# each waiting for its answer (saclient joins: what IPoIB does for its
# multicast addresses, one at a time). Figures per slice of STEP joins
# (default 2000): the client's wall time, and at the end the SM's CPU time
# (user+sys, all threads, from /proc) spent on the joins, its peak RSS and
# how many lines it logged meanwhile.
# The floor: ibsim forwards every MAD of both the join and the Sets that
# follow; the same joins against an SM that answers them and programs
# nothing do not exist here, so the per-slice times are compared with each
# other (flat is the target: a join costs the same with 10 groups or 6,000)
# and with OpenSM's.
# Not a CTest test: it prints figures, it does not judge them.
#   cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release && cmake --build build-rel
#   SMD_BIN=$PWD/build-rel/smd bash tests/bench/joins.sh [FABRIC]
# FABRIC: a fat-tree of tests/bench/common.sh, default fattree-36x18 (702
# nodes). BENCH_SMS="smd" (or "osm") runs only that SM.
SIM_MAX_LIFE=${SIM_MAX_LIFE:-3600}
SMD_MAX_LIFE=${SMD_MAX_LIFE:-3600}
# shellcheck source=tests/bench/common.sh
. "$(dirname "$0")/common.sh"

JOINS=${BENCH_JOINS:-6000}
STEP=${BENCH_STEP:-2000}
MLIDS=${BENCH_MLIDS:-8192}
command -v opensm >/dev/null || fail "opensm not found: run scripts/deps.sh"
need_smd
SMD_LOG_LEVEL=info

sm_hwm() { awk '/^VmHWM/ { print $2 }' /proc/"$SM_PID"/status 2>/dev/null; }

# served: the SA answers a join of the broadcast group from h1.
served() { sac h1 bcast-join >/dev/null && [ "$(sac_f status)" = 0x0000 ]; }

# run_sm SM: the SM on a fresh ibsim, the joins; figures into R[SM.*].
run_sm() {
	local sm=$1 cpu0 lines0 out i tool
	sim_start "$NET" "${FAB_SIMARGS[@]}" -M "$MLIDS"
	if [ "$sm" = smd ]; then
		SM_STATE_DIR=$WORK/state-$sm smd_conf h0 >/dev/null
		smd_start h0
		SM_PID=$SMD_PID SM_LOGF=$SMD_LOG
	else
		: >"$WORK/opensm.conf"
		SM_LOGF=$WORK/opensm-h0.log
		rm -f "$SM_LOGF"
		SM_STATE_DIR=$WORK/osm-cache osm_start h0
		SM_PID=$OSM_PID
	fi
	wait_until 600 served || fail "$sm: the broadcast group is not served"
	sleep 2  # the sweep's tail (multicast tables) out of the way
	cpu0=$(cpu_ns "$SM_PID")
	lines0=$(wc -l <"$SM_LOGF")
	tool=$(dirname "$SMD_BIN")/saclient
	preload_for "$tool"
	out=$(timeout -k 2 3000 env LD_PRELOAD="$PRELOAD" SIM_HOST=h1 "$tool" joins "$JOINS" "$STEP")
	note "$sm: $out"
	i=0
	while read -r line; do
		R[$sm.ms$i]=$(sed -n 's/.* ms=\([0-9]*\).*/\1/p' <<<"$line")
		R[$sm.ok$i]=$(sed -n 's/.* ok=\([0-9]*\).*/\1/p' <<<"$line")
		R[$sm.range$i]=$(sed -n 's/^joins=\([0-9-]*\).*/\1/p' <<<"$line")
		i=$((i + 1))
	done <<<"$out"
	R[slices]=$i
	sleep 1  # the last multicast Sets answered
	R[$sm.cpu]=$((($(cpu_ns "$SM_PID") - cpu0) / 1000000))
	R[$sm.hwm]=$(sm_hwm)
	R[$sm.lines]=$(($(wc -l <"$SM_LOGF") - lines0))
	proc_stop "$SM_PID"
	sim_stop
}

row() {
	printf '| %-44s | %9s | %9s | %6s |\n' "$1" "${R[smd.$2]:--}" "${R[osm.$2]:--}" \
		"$(ratio "${R[smd.$2]:--}" "${R[osm.$2]:--}")"
}

declare -A R
fabric "${1:-fattree-36x18}"
for sm in ${BENCH_SMS:-smd osm}; do
	note "$sm"
	run_sm "$sm"
done
echo
echo "$FAB_DESC ($NET_NODES nodes), switches with $MLIDS MLIDs; $JOINS group-creating joins from h1"
printf '| %-44s | %9s | %9s | %6s |\n' "figure" "smd" "OpenSM" "ratio"
printf '|%s|%s|%s|%s|\n' "----------------------------------------------" "-----------" "-----------" "--------"
for ((i = 0; i < ${R[slices]:-0}; i++)); do
	row "joins ${R[smd.range$i]:-${R[osm.range$i]}}: wall time (ms)" "ms$i"
	row "joins ${R[smd.range$i]:-${R[osm.range$i]}}: answered 0x0000" "ok$i"
done
row "SM CPU for the joins (ms)" cpu
row "SM peak RSS (KiB)" hwm
row "SM log lines during the joins" lines
echo
bench_done
