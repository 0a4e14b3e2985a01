#!/usr/bin/env bash
# sim.dup_guid: two nodes with one GUID are reported, not silently half
# configured. (Before, smd only logged "activating ... failed (0x1c)" and
# the duplicate's ports stayed down; OpenSM logs "Found duplicated node
# GUID".)
#  1. fat-tree (4 leaves x 4 hosts, 2 spines), smd on h0 up; h5 is given
#     h3's node GUID (ibsim console Guid): the next sweep names the
#     duplicate once in the log and in smctl status; h3 keeps its LID and
#     stays Active, smd keeps running and serving;
#  2. the pair, node2 given node1's GUID before smd starts on node1: named
#     the same way; smd running.
# shellcheck source=tests/sim/lib.sh
. "$(dirname "$0")/lib.sh"
smd_only

gen_net fattree gen-fattree.sh 4 4 2 36
sim_start "$NET"
smd_conf h0 "sweep_interval = 2" >/dev/null
smd_start h0
pid=$SMD_PID
must "subnet up" wait_until 60 log_has "$SMD_LOG" "subnet up"
g3=$(node_field h3 0 Guid)
lid3=$(port_lid h3 0 1)
note "1. h5 answers with h3's GUID $g3"
sim_console "Guid \"h5\" $g3"
must "smctl sweep" smctl h0 sweep
check "the log names the duplicate" \
	wait_until 20 log_has "$SMD_LOG" "duplicate GUID: another node answers with it at"
sleep 3   # a few more sweeps
is "named once" "$(log_count "$SMD_LOG" 'duplicate GUID')" 1
smctl h0 status >"$WORK/status.out"
check "smctl status lists it" grep -q "duplicate GUID" "$WORK/status.out"
check "smd still running" proc_alive "$pid"
is "h3 keeps its LID" "$(port_lid h3 0 1)" "$lid3"
check "h3 still Active" port_is h3 0 1 Active
must "the SA still answers (h0 -> h14 path)" sac h0 path "$(port_gid6 h14)"
is "path status" "$(sac_f status)" 0x0000
smd_stop "$pid"

note "2. the pair, node2 with node1's GUID"
sim_start "$SIM_FABRICS/pair.net"
g1=$(node_field node1 0 Guid)
sim_console "Guid \"node2\" $g1"
smd_conf node1 "sweep_interval = 2" >/dev/null
smd_start node1
pid=$SMD_PID
check "the log names the duplicate" \
	wait_until 20 log_has "$SMD_LOG" "duplicate GUID: another node answers with it at"
check "smd still running" proc_alive "$pid"

done_testing
