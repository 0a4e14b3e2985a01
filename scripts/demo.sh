#!/usr/bin/env bash
# A two-minute look at smd on a simulated fabric (ibsim): two HCAs cabled
# back-to-back, smd on both. Builds smd (Release) into build-demo/, shows the
# daemons' log lines as they come (ports going Active, the election), then
# what infiniband-diags see (smpquery portinfo, sminfo, saquery) and what
# smctl says, and stops everything it started.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

./scripts/deps.sh
cmake -S . -B build-demo -DCMAKE_BUILD_TYPE=Release -DSMD_SANITIZE="${SMD_SANITIZE:-OFF}" >/dev/null
cmake --build build-demo -j"$(nproc)" >/dev/null
echo "built $root/build-demo/smd"

set +e
export SMD_BIN=$root/build-demo/smd SMD_SRC=$root SMD_LOG_LEVEL=info
# The simulation harness of the tests: ibsim with a console, clients run from
# a temporary directory, everything stopped by an EXIT trap.
. "$root/tests/sim/lib.sh"
# No "ok"/"not ok" lines in a demo.
ok() { :; }
not_ok() { echo "!! $*"; _T_FAILED=1; }

say() { printf '\n== %s\n' "$*"; }

declare -A seen=([node1]=0 [node2]=0)
# show_logs: print the smd log lines not shown yet, tagged with the node.
show_logs() {
	local n f total
	for n in node1 node2; do
		f=$WORK/smd-$n.log
		[ -f "$f" ] || continue
		total=$(wc -l <"$f")
		if [ "$total" -gt "${seen[$n]}" ]; then
			tail -n +"$((seen[$n] + 1))" "$f" | head -n "$((total - seen[$n]))" | sed "s/^/  [$n] /"
			seen[$n]=$total
		fi
	done
}
# watch SECONDS CMD...: show log lines as they come until CMD succeeds.
watch() {
	local secs=$1; shift
	local end=$((SECONDS + secs))
	while :; do
		show_logs
		"$@" && { sleep 0.3; show_logs; return 0; }
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.2
	done
}
ports() {
	local n
	for n in node1 node2; do
		printf '  %s port 1: %-10s LID %s\n' "$n" "$(port_state "$n" 0 1)" "$(port_lid "$n" 0 1)"
	done
}

say "ibsim: $(basename "$SIM_FABRICS")/pair.net, node1 and node2 cabled back-to-back"
sim_start "$SIM_FABRICS/pair.net"
ports

say "smd on node2, priority 5"
smd_start node2 -p 5
pid2=$SMD_PID
watch 30 all_active node1:1 node2:1 || not_ok "ports not Active after 30 s"
ports

say "smd on node1, priority 10: the higher priority takes over"
smd_start node1 -p 10
pid1=$SMD_PID
settled() { sm_state_is node1 MASTER -D 0 && sm_state_is node2 STANDBY -D 0; }
watch 30 settled || not_ok "no clean election after 30 s"
watch 3 false

say "smpquery portinfo (state, LID) of both ports, by directed route"
for n in node1 node2; do
	echo "  $n\$ smpquery -D portinfo 0 1"
	diag "$n" smpquery -D portinfo 0 1 2>&1 | grep -E '^(Lid|SMLid|LinkState|PhysLinkState):' | sed 's/^/    /'
done

say "sminfo from both nodes"
for n in node1 node2; do
	echo "  $n\$ sminfo           (the master, LID-routed to MasterSMLID)"
	diag "$n" sminfo 2>&1 | sed 's/^/    /'
	echo "  $n\$ sminfo -D 0      (the SM on this node)"
	diag "$n" sminfo -D 0 2>&1 | sed 's/^/    /'
done

say "smctl: each daemon's own view, over its control socket"
for n in node1 node2; do
	echo "  $n\$ smctl status"
	"$root/build-demo/smctl" --socket "$WORK/smd-$n.sock" status 2>&1 | sed 's/^/    /'
done

say "the SA on the master: what IPoIB and the diags ask"
lid1=$(port_lid node1 0 1)
lid2=$(port_lid node2 0 1)
echo "  node2\$ saquery -g            (multicast groups: IPoIB's broadcast group)"
diag node2 saquery -g 2>&1 | sed 's/^/    /'
echo "  node2\$ saquery -p --slid $lid2 --dlid $lid1   (a path record)"
diag node2 saquery -p --slid "$lid2" --dlid "$lid1" 2>&1 | grep -E 'dlid|slid|mtu|rate' | sed 's/^/    /'

say "stopping"
for p in "$pid2" "$pid1"; do
	smd_stop "$p" || not_ok "smd (pid $p) exit status $? after SIGTERM"
done
show_logs
if [ "$_T_FAILED" -eq 0 ]; then
	echo "demo done: ibsim and both smd stopped."
else
	echo "demo finished with problems (see above)."
fi
exit "$_T_FAILED"
