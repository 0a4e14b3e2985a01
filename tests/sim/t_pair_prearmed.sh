#!/usr/bin/env bash
# sim.pair_prearmed: ports left Armed by someone else, both with LID and
# SMLid 0x1234 (what `ibportstate arm` leaves on a port without a LID). smd
# must fix the duplicate LID and the SM LID before the ports go Active: an
# Active Set built from a stale PortInfo must not undo the configuring one.
. "$(dirname "$0")/lib.sh"

sim_start "$SIM_FABRICS/pair.net"
diag node1 ibportstate -D 0 1 arm >/dev/null 2>&1
diag node1 ibportstate -D 0,1 1 arm >/dev/null 2>&1
is "node1 port Armed beforehand" "$(port_state node1 0 1)" Armed
is "node2 port Armed beforehand" "$(port_state node1 0,1 1)" Armed
is "node2 LID beforehand" "$(port_lid node1 0,1 1)" 4660

sm_once node1
is "--once exit status" "$?" 0
check "both ports Active" all_active node1:1 node2:1
lid1=$(port_lid node1 0 1)
lid2=$(port_lid node1 0,1 1)
check "LIDs distinct and not the duplicate 4660 ($lid1, $lid2)" \
	test "$lid1" != "$lid2" -a "$lid1" != 4660 -a "$lid2" != 4660 -a "$lid1" != 0 -a "$lid2" != 0
is "node1 SMLid is the master's LID" "$(port_field node1 0 1 SMLid)" "$lid1"
is "node2 SMLid is the master's LID" "$(port_field node1 0,1 1 SMLid)" "$lid1"

done_testing
