#!/usr/bin/env bash
# sim.pair_replug: with smd running on node1 and both ports Active, pull the
# cable (ibsim console Unlink): both ports go Down; plug it back (ReLink): the
# link returns in Init and smd must bring both ports Active again (30 s bound;
# the measured time is printed).
# shellcheck source=tests/sim/lib.sh
. "$(dirname "$0")/lib.sh"

sim_start "$SIM_FABRICS/pair.net"
sm_start node1 5
pid=$SM_PID
must "both ports Active" wait_until 30 all_active node1:1 node2:1
lid1=$(port_lid node1 0 1)
lid2=$(port_lid node2 0 1)

sim_console 'Unlink "node2"[1]'
check "node1 port goes Down" wait_until 10 port_is node1 0 1 Down
check "node2 port goes Down" wait_until 10 port_is node2 0 1 Down
note "node1 PhysLinkState: $(port_phys node1 0 1)"
sleep 2
check "SM survives the unplugged cable" proc_alive "$pid"

t0=$(now_ms)
sim_console 'ReLink "node2"[1]'
if check "both ports Active again within 30 s of ReLink" wait_until 30 all_active node1:1 node2:1; then
	note "replug: Active again after $(($(now_ms) - t0)) ms"
fi
is "node1 keeps its LID" "$(port_lid node1 0 1)" "$lid1"
is "node2 keeps its LID" "$(port_lid node2 0 1)" "$lid2"
check "sminfo -D 0 on node1: still MASTER" sm_state_is node1 MASTER -D 0

# A second cycle: the first one did not leave the SM in a bad state.
sim_console 'Unlink "node1"[1]'
check "second unplug: node2 port goes Down" wait_until 10 port_is node2 0 1 Down
t0=$(now_ms)
sim_console 'ReLink "node1"[1]'
if check "second replug: both Active within 30 s" wait_until 30 all_active node1:1 node2:1; then
	note "second replug: Active again after $(($(now_ms) - t0)) ms"
fi
check "SM still running" proc_alive "$pid"

done_testing
