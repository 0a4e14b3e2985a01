#!/usr/bin/env bash
# tests/bench/failover.sh -- failover of smd next to OpenSM, same machine,
# same run, each SM with its own defaults (no options but a state directory):
#  1. the pair: an SM on each node, both at the default priority; SIGKILL the
#     master; time until the standby's SM answers SMInfo with MASTER (probed
#     every 2 ms by tests/tools/portwatch -m from the standby's node). smd
#     BENCH_ROUNDS times (default 3), OpenSM once (it takes about a minute).
#  2. a stalled master: SIGSTOP of the master for BENCH_STALL_S (default 3)
#     seconds, then SIGCONT; does the standby take over (it should not: the
#     master is slow, not gone)? portwatch -m watches the standby's SM for
#     5 s more after the resume.
#  3. polling load on the master: one switch, 9 HCAs; a master (priority 1)
#     on h0 and 1 to 8 smd standbys joining one by one; SMInfo Gets the
#     master answers per second (its debug log) over BENCH_WINDOW_S
#     (default 10) seconds, after each newcomer has had a sweep interval to
#     find its place in line. ibsim serves at most 10 client processes.
# Not a CTest test: it prints figures, it does not judge them.
#   cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release && cmake --build build-rel
#   SMD_BIN=build-rel/smd bash tests/bench/failover.sh
. "$(dirname "$0")/../sim/lib.sh"

PORTWATCH=${PORTWATCH:-$(dirname "$SMD_BIN")/portwatch}
[ -x "$PORTWATCH" ] || fail "no portwatch at $PORTWATCH (build it: cmake --build build-rel)"
command -v opensm >/dev/null || fail "opensm not found: run scripts/deps.sh"
need_smd
ROUNDS=${BENCH_ROUNDS:-3}
STALL_S=${BENCH_STALL_S:-3}
WINDOW_S=${BENCH_WINDOW_S:-10}
declare -A R


# pair_up SM: a fresh pair with SM (smd or opensm) on both nodes at its own
# defaults, node1 MASTER (the lower port GUID at equal priority), node2
# STANDBY, ports Active; sets P1, P2.
pair_up() {
	local sm=$1
	sim_start "$SIM_FABRICS/pair.net"
	if [ "$sm" = smd ]; then
		SMD_LOG_LEVEL=info smd_conf node1 >/dev/null
		SMD_LOG_LEVEL=info smd_conf node2 >/dev/null
		smd_start node1; P1=$SMD_PID
		smd_start node2; P2=$SMD_PID
	else
		: >"$WORK/opensm.conf"  # OpenSM's own defaults
		osm_start node1; P1=$OSM_PID
		osm_start node2; P2=$OSM_PID
	fi
	wait_until 120 elected node1 node2 || fail "$sm: no MASTER/STANDBY pair"
	wait_until 60 all_active node1:1 node2:1 || fail "$sm: ports not Active"
	sleep 2
}

# watch_standby MS: portwatch -m on node2 (MASTER within MS ms?); sets PW, PW_LOG.
watch_standby() {
	PW_LOG=$(_newlog portwatch)
	_bg_start "$PW_LOG" node2 "$UMAD2SIM" "$PORTWATCH" -m "$1" 0
	PW=$BG_PID
	wait_until 10 grep -q ready "$PW_LOG" || fail "portwatch did not start"
}

# failover SM: one round on a fresh pair; FO_MS = the milliseconds from the
# master's SIGKILL to the standby's SM reporting MASTER.
failover() {
	local t0
	pair_up "$1"
	watch_standby 180000
	t0=$(now_ms)
	proc_stop "$P1" KILL
	proc_wait "$PW" || fail "$1: the standby did not become MASTER within 180 s"
	FO_MS=$(($(tail -n 1 "$PW_LOG") - t0))
	proc_stop "$P2"
	sim_stop
}

# stall SM: one round on a fresh pair; STALL = "no" when the standby never
# reported MASTER during the stop and 5 s after it, else "yes (N ms)".
stall() {
	local t0
	pair_up "$1"
	watch_standby $(((STALL_S + 5) * 1000))
	t0=$(now_ms)
	kill -STOP "$P1"
	sleep "$STALL_S"
	kill -CONT "$P1"
	if proc_wait "$PW"; then
		STALL="yes ($(($(tail -n 1 "$PW_LOG") - t0)) ms)"
	else
		STALL=no
	fi
	proc_stop "$P1"
	proc_stop "$P2"
	sim_stop
}

note "1. failover on the pair"
smd_times=()
for ((i = 1; i <= ROUNDS; i++)); do
	failover smd
	note "smd round $i: $FO_MS ms"
	smd_times+=("$FO_MS")
done
failover opensm
osm_t=$FO_MS
note "OpenSM: $osm_t ms"

note "2. a master stopped for $STALL_S s"
stall smd
smd_stall=$STALL
note "smd: standby took over: $smd_stall"
stall opensm
osm_stall=$STALL
note "OpenSM: standby took over: $osm_stall"

note "3. polling load on the master"
bash "$SIM_LIB_DIR/gen-fattree.sh" 1 9 1 16 >"$WORK/star.net"
sim_start "$WORK/star.net"
SMD_LOG_LEVEL=debug smd_conf h0 "priority = 1" >/dev/null
smd_start h0
master_log=$SMD_LOG
wait_until 30 sm_state_is h0 MASTER -D 0 || fail "h0 not MASTER"
load=()
for k in 1 2 3 4 5 6 7 8; do
	SMD_LOG_LEVEL=info smd_conf "h$k" >/dev/null
	smd_start "h$k"
	wait_until 30 sm_state_is "h$k" STANDBY -D 0 || fail "h$k not STANDBY"
	sleep 11  # a sweep interval: every standby has looked at the others
	a=$(log_count "$master_log" "answered an SMInfo Get")
	sleep "$WINDOW_S"
	b=$(log_count "$master_log" "answered an SMInfo Get")
	load+=("$(awk -v n=$((b - a)) -v s="$WINDOW_S" 'BEGIN { printf "%.1f", n / s }')")
	note "$k standby(s): ${load[-1]} SMInfo Gets/s at the master"
done
sim_stop

echo
echo "failover on the pair (SIGKILL of the master to the standby reporting MASTER), defaults of each"
printf '| %-30s | %12s | %12s | %6s |\n' "figure" "smd" "OpenSM" "ratio"
printf '|%s|%s|%s|%s|\n' "--------------------------------" "--------------" "--------------" "--------"
best=$(printf '%s\n' "${smd_times[@]}" | sort -n | head -n 1)
worst=$(printf '%s\n' "${smd_times[@]}" | sort -n | tail -n 1)
printf '| %-30s | %12s | %12s | %6s |\n' "takeover (ms), $ROUNDS smd rounds" "$best-$worst" "$osm_t" \
	"$(awk -v a="$worst" -v b="$osm_t" 'BEGIN { printf "%.3f", a / b }')"
printf '| %-30s | %12s | %12s | %6s |\n' "master stopped ${STALL_S} s: takeover?" "$smd_stall" "$osm_stall" "-"
echo
echo "SMInfo polls at the master per second, smd defaults (poll_interval 300 ms)"
cells() { local c; for c in "$@"; do printf ' %5s |' "$c"; done; }
printf '| %-10s |%s\n' "standbys" "$(cells 1 2 3 4 5 6 7 8)"
printf '|%s|%s\n' "------------" "$(for k in 1 2 3 4 5 6 7 8; do printf -- '-------|'; done)"
printf '| %-10s |%s\n' "measured" "$(cells "${load[@]}")"
printf '| %-10s |%s\n' "all fast" "$(cells $(for k in 1 2 3 4 5 6 7 8; do awk -v k=$k 'BEGIN { printf "%.1f ", k * 1000 / 300 }'; done))"
echo "(\"all fast\": what it would be if every standby polled every 300 ms)"
echo
echo "ibsim $(dpkg-query -W -f='${Version}' ibsim-utils 2>/dev/null), $(opensm --version 2>/dev/null | grep -m1 -o 'OpenSM [0-9.]*'), $(nproc) cores"
_T_N=1
done_testing
