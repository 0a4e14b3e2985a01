#!/usr/bin/env bash
# sim.pair_lossy: ibsim drops 50% of the SMPs that reach node2 (console
# `Error`, each drop comes back at once with umad status 110). smd's own
# retries and re-sweeps must still bring both ports Active, and --once must
# not claim success before they are: its exit status is checked against
# what smpquery sees.
. "$(dirname "$0")/lib.sh"

sim_start "$SIM_FABRICS/pair.net"
sim_console 'Error "node2"[1] 50'

t0=$(now_ms)
sm_once node1
rc=$?
note "--once exited $rc after $(($(now_ms) - t0)) ms"
sim_console 'Error "node2"[1] 0'   # let the diags through

is "--once exit status" "$rc" 0
check "both ports Active, as --once said" all_active node1:1 node2:1
lid1=$(port_lid node1 0 1)
lid2=$(port_lid node2 0 1)
check "LIDs non-zero and distinct ($lid1, $lid2)" \
	test "$lid1" != 0 -a "$lid2" != 0 -a "$lid1" != "$lid2"
is "node2's SMLid points at node1" "$(port_field node1 0,1 1 SMLid)" "$lid1"

done_testing
