#!/usr/bin/env bash
# sim.fattree: a two-level fat-tree, 4 leaves x 4 hosts, 2 spines, 36-port
# switches (tests/sim/gen-fattree.sh). Judged by a directed-route scan
# (iblinkinfo): every cabled port Active, as many Active links as the fabric
# file has cables, every LID owner (switch port 0, CA port) with a non-zero,
# unique LID.
#  1. smd --once from h0 (exit 0);
#  2. on a fresh fabric, smd as a daemon on h5.
# shellcheck source=tests/sim/lib.sh
. "$(dirname "$0")/lib.sh"

LEAVES=4 HOSTS=4 SPINES=2 PORTS=36
gen_net fattree gen-fattree.sh $LEAVES $HOSTS $SPINES $PORTS
nodes=$((LEAVES * HOSTS + LEAVES + SPINES))
is "fabric file cables" "$NET_LINKS" $((LEAVES * HOSTS + LEAVES * SPINES))

# verdict WHAT: the last fabric_scan shows a fully configured fabric.
verdict() {
	is "$1: nodes found" "$FAB_NODES" "$nodes"
	is "$1: links found" "$FAB_LINKS" "$NET_LINKS"
	is "$1: links Active" "$FAB_ACTIVE" "$NET_LINKS"
	is "$1: linked ports not Active" "${FAB_BAD:-none}" none
	is "$1: LID 0" "${FAB_LID0:-none}" none
	is "$1: duplicate LIDs" "${FAB_LIDDUP:-none}" none
}

# --- 1. --once ----------------------------------------------------------------
sim_start "$NET"
must "scan before any SM" fabric_scan h0
is "before: links Active" "$FAB_ACTIVE" 0
is "before: links found" "$FAB_LINKS" "$NET_LINKS"

t0=$(now_ms)
sm_once h0
is "--once from h0: exit status" "$?" 0
note "--once took $(($(now_ms) - t0)) ms"
must "scan after --once" fabric_scan h0
verdict "after --once"
# A switch has one LID, on port 0: leaf0 is DR 0,1 from h0, spine0 is leaf0's
# port HOSTS+1.
for sw in "leaf0 0,1" "spine0 0,1,$((HOSTS + 1))"; do
	read -r name dr <<<"$sw"
	l=$(port_lid h0 "$dr" 0)
	check "$name port 0 (DR $dr) has a LID ($l)" test "${l:-0}" -gt 0
	is "$name is a switch" "$(node_field h0 "$dr" NodeType)" Switch
done
# The same fabric seen from the far end.
must "scan from h15" fabric_scan h15
is "from h15: links Active" "$FAB_ACTIVE" "$NET_LINKS"
if is_smd; then
	check "log: subnet up: $nodes nodes ($((LEAVES + SPINES)) switches)" \
		log_has "$SMD_LOG" "subnet up: $nodes nodes \($((LEAVES + SPINES)) switches\)"
fi

# --- 2. daemon ------------------------------------------------------------------
sim_start "$NET"
t0=$(now_ms)
sm_start h5 1
pid=$SM_PID
if check "daemon on h5: every link Active within 30 s" wait_until 30 fabric_all_active h5 "$NET_LINKS"; then
	note "daemon: all Active after $(($(now_ms) - t0)) ms"
fi
verdict "daemon"  # on fabric_all_active's last scan
check "sminfo -D 0 on h5: MASTER" wait_until 10 sm_state_is h5 MASTER -D 0
check "SM still running" proc_alive "$pid"
if is_smd; then
	check "daemon log: subnet up: $nodes nodes" \
		wait_until 5 log_has "$SMD_LOG" "subnet up: $nodes nodes \($((LEAVES + SPINES)) switches\)"
fi

done_testing
