#!/usr/bin/env bash
# tests/bench/pair.sh -- smd next to OpenSM on the simulated back-to-back pair,
# same machine, same run: time from start to both ports Active, time to
# Active again after a replugged cable (ibsim Unlink/ReLink), idle CPU,
# peak RSS. Each SM runs with its own defaults on a fresh ibsim; smd also
# with port_watch = 5000 (last column), the other end of its trade-off
# between replug recovery and idle CPU.
# Not a CTest test: it prints figures, it does not judge them.
# Port states are read by tests/tools/portwatch (one libibmad client polling
# every 2 ms), so the figures are not blurred by starting smpquery in a loop.
#   SMD_BIN=build/smd PORTWATCH=build/portwatch bash tests/bench/pair.sh
#   (BENCH_IDLE_S=60 by default)
. "$(dirname "$0")/../sim/lib.sh"

PORTWATCH=${PORTWATCH:-$(dirname "$SMD_BIN")/portwatch}
[ -x "$PORTWATCH" ] || fail "no portwatch at $PORTWATCH (build it: cmake --build build)"

IDLE_S=${BENCH_IDLE_S:-60}
# smd logs at its default level, as it would run (debug logs every MAD).
export SMD_LOG_LEVEL=${SMD_LOG_LEVEL:-info}
declare -A R

# watch_start [-d]: portwatch on node1 for both ports of the pair; the time
# it prints lands in $WORK/portwatch-N.log.
watch_start() {
	PW_LOG=$(_newlog portwatch)
	_bg_start "$PW_LOG" node1 "$UMAD2SIM" "$PORTWATCH" "$@" 60000 0:1 0,1:1
	PW_PID=$BG_PID
}
# watch_result: wait for portwatch (not in a subshell: only the parent can
# wait for it); PW_T is the time it saw every port Active.
watch_result() {
	proc_wait "$PW_PID" || fail "portwatch: ports not Active in time"
	PW_T=$(tail -n 1 "$PW_LOG")
}

# CPU time of every thread of a process in ns (schedstat: finer than ticks).
cpu_ns() { cat /proc/"$1"/task/*/schedstat | awk '{ s += $1 } END { print s }'; }
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }
phys_down() { [ "$(port_phys node1 0 1)" != LinkUp ]; }

# bench_one NAME: NAME is opensm, smd (defaults), or smd5 (smd with
# port_watch = 5000: the other end of its replug/idle trade-off).
bench_one() {
	local sm=$1 pid t0 c0 c1
	sim_start "$SIM_FABRICS/pair.net"
	watch_start
	sleep 0.5  # let the probe attach to ibsim first
	t0=$(now_ms)
	if [ "$sm" != opensm ]; then
		if [ "$sm" = smd5 ]; then
			smd_conf node1 "port_watch = 5000" >/dev/null
		else
			smd_conf node1 >/dev/null
		fi
		smd_start node1
		pid=$SMD_PID
	else
		: >"$WORK/opensm.conf"  # OpenSM's own defaults
		osm_start node1
		pid=$OSM_PID
	fi
	watch_result
	R[$sm.up]=$((PW_T - t0))

	watch_start -d
	wait_until 10 grep -q ready "$PW_LOG" || fail "portwatch did not start"
	sim_console 'Unlink "node2"[1]'
	wait_until 10 phys_down || fail "$sm: link did not go down"
	sleep 1
	t0=$(now_ms)
	sim_console 'ReLink "node2"[1]'
	watch_result
	R[$sm.replug]=$((PW_T - t0))

	sleep 2
	c0=$(cpu_ns "$pid")
	sleep "$IDLE_S"
	c1=$(cpu_ns "$pid")
	R[$sm.idle]=$(((c1 - c0) * 60 / IDLE_S / 1000000))
	R[$sm.rss]=$(hwm_kb "$pid")
	proc_stop "$pid"
	sim_stop
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
row() {
	printf '| %-36s | %9s | %9s | %6s | %16s |\n' "$1" "${R[smd.$2]}" "${R[opensm.$2]}" \
		"$(ratio "${R[smd.$2]}" "${R[opensm.$2]}")" "${R[smd5.$2]}"
}

# The floor under any own-port watch on this machine: ibsim sends nothing
# when a CA-to-CA link changes and libumad2sim's sysfs is a snapshot, so a
# watch must ask the port by SMP. portwatch -c times the CPU of idle
# wake-ups without and with one PortInfo Get (a minimal libibmad client).
floor() {
	local out
	sim_start "$SIM_FABRICS/pair.net"
	out=$(cd "$WORK" && SIM_HOST=node1 LD_PRELOAD="$UMAD2SIM" timeout 120 "$PORTWATCH" -c 500 20 1) ||
		fail "portwatch -c failed"
	read -r _ R[floor.wake] _ R[floor.check] <<<"$out"
	sim_stop
}

bench_one smd
bench_one opensm
bench_one smd5
floor
echo
echo "pair (2 HCAs back-to-back), ibsim, idle window ${IDLE_S} s"
printf '| %-36s | %9s | %9s | %6s | %16s |\n' "figure" "smd" "OpenSM" "ratio" "smd, watch 5 s"
printf '|%s|%s|%s|%s|%s|\n' "--------------------------------------" "-----------" "-----------" "--------" "------------------"
row "start to both ports Active (ms)" up
row "replug to both ports Active (ms)" replug
row "idle CPU (ms per minute)" idle
row "peak RSS (KiB)" rss
# Replug to Active = up to one watch period + the Sets (~30 ms): a watch
# that meets 1 s every time checks at least every 970 ms.
echo
echo "floor (portwatch -c 500 20 1, a minimal libibmad client on the same ibsim):"
echo "  an idle wake-up costs ${R[floor.wake]} us of CPU, one with a PortInfo check ${R[floor.check]} us;"
awk -v c="${R[floor.check]}" -v o="${R[opensm.idle]}" 'BEGIN {
	m = 60000 / 970 * c / 1000
	printf "  a watch that catches every replug within 1 s costs at least %.1f ms per minute (%.2f x OpenSM idle)\n", m, (o > 0 ? m / o : 0) }'
_T_N=1  # the bench reports figures; it has no checks
done_testing
