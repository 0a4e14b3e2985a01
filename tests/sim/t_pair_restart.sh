#!/usr/bin/env bash
# sim.pair_restart: LIDs survive a restart of the whole fabric through the
# GUID->LID state file, and a corrupt state file is set aside, not fatal.
#  1. smd --once on node1: exit 0, both ports Active; record the LIDs.
#  2. fresh ibsim (ports back to LID 0), smd --once on node1 with the same
#     state_dir: the same LIDs.
#  3. fresh ibsim, smd --once from node2 with that state_dir (discovery starts
#     at the other end): still the same LIDs.
#  4. garbage in the state file, fresh ibsim, smd --once: exit 0, ports
#     Active, smd-guid2lid.corrupt.* holds the garbage.
# shellcheck source=tests/sim/lib.sh
. "$(dirname "$0")/lib.sh"

export SM_STATE_DIR=$WORK/state
pair=$SIM_FABRICS/pair.net

# once_up NODE WHAT: one smd --once run from NODE, then both ports Active.
once_up() {
	local t0 rc
	t0=$(now_ms)
	sm_once "$1"
	rc=$?
	is "$2: --once exit status" "$rc" 0
	note "$2: --once took $(($(now_ms) - t0)) ms"
	must "$2: both ports Active" all_active node1:1 node2:1
}

sim_start "$pair"
once_up node1 "first run"
lid1=$(port_lid node1 0 1)
lid2=$(port_lid node2 0 1)
check "LIDs non-zero and distinct ($lid1, $lid2)" \
	test "${lid1:-0}" -gt 0 -a "${lid2:-0}" -gt 0 -a "$lid1" != "$lid2"
if is_smd; then
	check "state file written" test -s "$SM_STATE_DIR/smd-guid2lid"
fi

sim_start "$pair"   # stops the running ibsim first
is "fresh fabric: node1 LID" "$(port_lid node1 0 1)" 0
is "fresh fabric: node2 LID" "$(port_lid node2 0 1)" 0
is "fresh fabric: node1 state" "$(port_state node1 0 1)" Initialize
once_up node1 "restart (node1)"
is "restart (node1): node1 keeps its LID" "$(port_lid node1 0 1)" "$lid1"
is "restart (node1): node2 keeps its LID" "$(port_lid node2 0 1)" "$lid2"

sim_start "$pair"
once_up node2 "restart (node2)"
is "restart (node2): node1 keeps its LID" "$(port_lid node1 0 1)" "$lid1"
is "restart (node2): node2 keeps its LID" "$(port_lid node2 0 1)" "$lid2"

if is_smd; then
	garbage="this is not an smd-guid2lid file $$
0xzz 7 8 9"
	printf '%s\n' "$garbage" >"$SM_STATE_DIR/smd-guid2lid"
	sim_start "$pair"
	once_up node1 "corrupt state file"
	l1=$(port_lid node1 0 1)
	l2=$(port_lid node2 0 1)
	check "corrupt state file: LIDs non-zero and distinct ($l1, $l2)" \
		test "${l1:-0}" -gt 0 -a "${l2:-0}" -gt 0 -a "$l1" != "$l2"
	corrupt=$(find "$SM_STATE_DIR" -maxdepth 1 -name "smd-guid2lid.corrupt.*" | head -n 1)
	if check "smd-guid2lid.corrupt.* exists" test -n "$corrupt"; then
		check "$(basename "$corrupt") holds the garbage" \
			test "$(cat "$corrupt")" = "$garbage"
	fi
	check "a new smd-guid2lid is written" test -s "$SM_STATE_DIR/smd-guid2lid"
	check "the new smd-guid2lid is not the garbage" \
		test "$(cat "$SM_STATE_DIR/smd-guid2lid" 2>/dev/null)" != "$garbage"
fi

done_testing
