#!/usr/bin/env bash
# sim.state_trouble: a state file smd cannot read or write never stops it;
# persistence is a nicety, bringing the fabric up is the job. On the pair:
#  1. smd-guid2lid is a directory (it cannot be read, nor set aside as a
#     corrupt file would be): smd runs (this exited 1, "cannot start"), both
#     ports come up, the log and smctl status say the LIDs are not saved,
#     and the directory is left as it was;
#  2. the directory removed: at the next sweep the map is saved again, the
#     log says so and smctl status no longer warns;
#  3. --once with a state_dir that cannot be created: every port Active,
#     exit 0, one line saying why the LIDs are not saved.
# shellcheck source=tests/sim/lib.sh
. "$(dirname "$0")/lib.sh"
smd_only

sim_start "$SIM_FABRICS/pair.net"
state=$WORK/state-node1
mkdir -p "$state/smd-guid2lid"
touch "$state/smd-guid2lid/keep"
SM_STATE_DIR=$state smd_conf node1 "priority = 5" >/dev/null
smd_start node1
pid=$SMD_PID

note "1. smd-guid2lid is a directory"
must "both ports Active" wait_until 30 all_active node1:1 node2:1
check "smd still running" proc_alive "$pid"
check "the log says the LIDs are not saved" \
	log_has "$SMD_LOG" "LIDs are not being saved: .*smd-guid2lid cannot be read"
smctl node1 sweep >/dev/null; sleep 1
is "said once, sweeps after it included" "$(log_count "$SMD_LOG" 'LIDs are not being saved|smd-guid2lid: read error')" 2
smctl node1 status >"$WORK/smctl.out"; is "smctl status" "$?" 0
check "smctl status says so" grep -q "LIDs *NOT SAVED" "$WORK/smctl.out"
smctl node1 status --json >"$WORK/smctl.out"; is "smctl status --json" "$?" 0
check "--json: lids_saved false" grep -q '"lids_saved":false' "$WORK/smctl.out"
check "the directory is untouched" test -f "$state/smd-guid2lid/keep"

note "2. the directory removed"
rm -rf "$state/smd-guid2lid"
must "smctl sweep" smctl node1 sweep
check "the map is saved again" wait_until 20 test -f "$state/smd-guid2lid"
check "the log says so" log_has "$SMD_LOG" "readable again; LIDs are being saved"
check "node1's LID is in it" grep -qi "$(port_guid node1 | sed 's/^0x//')" "$state/smd-guid2lid"
smctl node1 status --json >"$WORK/smctl.out"; is "smctl status --json" "$?" 0
check "--json: lids_saved true" grep -q '"lids_saved":true' "$WORK/smctl.out"
smd_stop "$pid"

note "3. --once, a state_dir that cannot be created"
sim_start "$SIM_FABRICS/pair.net"
SM_STATE_DIR=/proc/smd-cannot-exist/state smd_conf node1 >/dev/null
smd_run node1 --once
is "--once exit status" "$?" 0
check "both ports Active" all_active node1:1 node2:1
check "the log says why the LIDs are not saved" \
	log_has "$SMD_LOG" "LIDs are not being saved: /proc/smd-cannot-exist/state: cannot create"

done_testing
