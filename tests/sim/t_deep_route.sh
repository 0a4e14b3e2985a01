#!/usr/bin/env bash
# sim.deep_route: what a directed route cannot reach, and cables that go
# nowhere. A chain of 66 switches s0..s65 (port 2 to the next, port 1 to the
# one before), h0 on s0 (smd's node), h61 on s61 (63 hops from h0, the most
# a directed route has), h62 on s62 and h65 on s65 (64 and 67 hops); s0 has
# a cable from port 5 into port 5 itself and one from port 6 to its port 7
# (real ibsim links, no lie). smd must configure what it reaches: every link
# up to s62 Active, unique LIDs; say once for each port of s62 that what is
# behind it is more than 63 hops away; bring the looped cables up and name
# the self-cabled port once (before, it was a "duplicate GUID" and left the
# subnet never fully up); stay alive through several sweeps.
# shellcheck source=tests/sim/lib.sh
. "$(dirname "$0")/lib.sh"
smd_only

N=66
NET=$WORK/chain.net
{
	echo "# a chain of $N switches"
	for ((i = 0; i < N; i++)); do
		echo "Switch 8 \"s$i\""
		[ "$i" -gt 0 ] && echo "[1] \"s$((i - 1))\"[2]"
		[ "$i" -lt $((N - 1)) ] && echo "[2] \"s$((i + 1))\"[1]"
		case $i in
		0) echo '[3] "h0"[1]'; echo '[5] "s0"[5]'; echo '[6] "s0"[7]'; echo '[7] "s0"[6]' ;;
		61 | 62 | 65) echo "[3] \"h$i\"[1]" ;;
		esac
		echo
	done
	for h in 0 61 62 65; do
		echo "Hca 1 \"h$h\""
		echo "[1] \"s$h\"[3]"
		echo
	done
} >"$NET"
sim_start "$NET"
# the directed route from h0 to s<k>: h0 leaves by its port 1 into s0 port 3: the route to s0 is "0,1"
route() { local r=0,1 i; for ((i = 0; i < $1; i++)); do r+=,2; done; echo "$r"; }

smd_conf h0 "sweep_interval = 2" >/dev/null
smd_start h0
pid=$SMD_PID
must "h61 (63 hops) Active" wait_until 60 port_is h61 0 1 Active
sleep 6    # back-off re-sweeps, light sweeps
check "smd alive" proc_alive "$pid"
check "several sweeps ran" test "$(log_count "$SMD_LOG" 'sweep: [0-9]+ SMPs')" -ge 2
is "s62 port 2: beyond 63 hops, said once" \
	"$(log_count "$SMD_LOG" 's62 port 2 .*more than 63 hops away')" 1
is "s62 port 3: beyond 63 hops, said once" \
	"$(log_count "$SMD_LOG" 's62 port 3 .*more than 63 hops away')" 1
is "no other port beyond reach" "$(log_count "$SMD_LOG" 'more than 63 hops away')" 2
is "s0 port 5: cabled to itself, said once" \
	"$(log_count "$SMD_LOG" 's0 port 5 .*cabled to itself')" 1
is "no duplicate GUID" "$(log_count "$SMD_LOG" 'duplicate GUID')" 0
smctl h0 status >"$WORK/status.txt"
check "smctl status names it" grep -q "more than 63 hops away" "$WORK/status.txt"

declare -A seen
dups=""
lids() { # NAME LID: record, flag a LID held twice
	[ "${2:-0}" -gt 0 ] || { not_ok "$1 has a LID"; return; }
	[ -z "${seen[$2]:-}" ] || dups+=" $2:${seen[$2]},$1"
	seen[$2]=$1
}
lids h0 "$(port_lid h0 0 1)"
lids h61 "$(port_lid h61 0 1)"
for ((k = 0; k <= 62; k++)); do
	lids "s$k" "$(port_lid h0 "$(route "$k")" 0)"
done
is "63 switches and 2 hosts reached, each its own LID" "${#seen[@]}" 65
is "no LID twice" "$dups" ""
for k in 0 30 61; do
	check "s$k port 2 Active" port_is h0 "$(route "$k")" 2 Active
done
check "s62 port 1 Active" port_is h0 "$(route 62)" 1 Active
check "s62 port 2 (toward s63, 64 hops) not Active" eval "! port_is h0 $(route 62) 2 Active"
for p in 5 6 7; do
	check "s0 port $p (looped cable) Active" port_is h0 0,1 "$p" Active
done
check "h62 (64 hops) not configured" eval "! port_is h62 0 1 Active"
# ibsim forwards a LID-routed packet through at most 16 switches (MAXHOPS)
check "LID-routed NodeInfo h0 -> s14 (through 14 switches' tables)" \
	diag h0 smpquery nodeinfo "$(port_lid h0 "$(route 14)" 0)"
check "smd alive" proc_alive "$pid"
smd_stop "$pid"

done_testing
