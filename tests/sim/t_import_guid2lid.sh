#!/usr/bin/env bash
# sim.import_guid2lid: a fabric moving from OpenSM keeps OpenSM's LIDs, and
# OpenSM's guid2lid is only ever read.
#  1. OpenSM --once on the quad fabric, its cache seeded with odd LIDs for
#     three ports (it assigns the other two and writes guid2lid itself);
#     the LIDs it gave, read with smpquery, are the reference.
#  2. fresh ibsim (LIDs 0), smd --once from another node with an empty
#     state_dir and import_guid2lid = OpenSM's file: every port has OpenSM's
#     LID; smd-guid2lid is written; OpenSM's cache is byte for byte the same.
#  3. fresh ibsim, same state_dir, import_guid2lid = none: smd's own map
#     keeps every LID.
#  4. fresh ibsim, OpenSM's file copied into a new state_dir as guid2lid:
#     imported, not set aside, not changed.
#  5. fresh ibsim, an OpenSM file with a bad line, a comment and an LMC
#     range: smd starts, names the bad line, keeps the other LIDs (the base
#     LID of the range).
#  6. fresh ibsim, an older smd's guid2lid in state_dir: its LIDs kept, moved
#     to smd-guid2lid, the old file kept as guid2lid.migrated.
# shellcheck source=tests/sim/lib.sh
. "$(dirname "$0")/lib.sh"
smd_only

quad=$SIM_FABRICS/quad.net
osm_dir=$WORK/opensm-cache
nodes="node1 node2 node3 node4"

# lids_now: "node1=L node2=L node3=L node4=L sw=L" as smpquery reads them.
lids_now() {
	local n out=""
	for n in $nodes; do out+="$n=$(port_lid "$n" 0 1) "; done
	echo "${out}sw=$(port_lid node1 0,1 0)"
}

# once NODE WHAT STATE_DIR IMPORT: smd --once from NODE with that config,
# then every port Active.
once() {
	export SM_STATE_DIR=$3 SMD_IMPORT_G2L=$4
	smd_conf "$1" >/dev/null
	sim_start "$quad"
	is "$2: fresh fabric, node1 LID" "$(port_lid node1 0 1)" 0
	sm_once "$1"
	is "$2: --once exit status" "$?" 0
	must "$2: every port Active" all_active node1:1 node2:1 node3:1 node4:1
}

# cache_sum: the names in OpenSM's cache and a digest of their bytes.
cache_sum() { (cd "$osm_dir" && echo -- * "$(cat -- * | sha256sum | cut -c1-16)"); }

# --- 1. OpenSM assigns the reference LIDs -------------------------------------
sim_start "$quad"
g1=$(port_guid node1) g2=$(port_guid node2) g3=$(port_guid node3) g4=$(port_guid node4)
gsw=$(node_field node1 0,1 PortGuid)
must "GUIDs read" test -n "$g1" -a -n "$g2" -a -n "$g3" -a -n "$g4" -a -n "$gsw"
mkdir -p "$osm_dir"
printf '%s 0x%04x 0x%04x\n\n' "$g1" 17 17 "$gsw" 256 256 "$g2" 2989 2989 \
	>"$osm_dir/guid2lid"
SM_STATE_DIR=$osm_dir osm_run node1
is "OpenSM --once exit status" "$?" 0
must "OpenSM: every port Active" all_active node1:1 node2:1 node3:1 node4:1
ref=$(lids_now)
note "OpenSM's LIDs: $ref"
is "OpenSM kept the seeded LIDs" "$(cut -d' ' -f1,2 <<<"$ref") ${ref##* }" \
	"node1=17 node2=2989 sw=256"
is "OpenSM wrote its guid2lid (5 entries)" "$(grep -c '^0x' "$osm_dir/guid2lid")" 5
sum0=$(cache_sum)

# --- 2. import_guid2lid --------------------------------------------------------
once node4 "import" "$WORK/state-a" "$osm_dir/guid2lid"
is "import: every port has OpenSM's LID" "$(lids_now)" "$ref"
check "import: logged with counts" \
	log_has "$SMD_LOG" "imported 5 LIDs from OpenSM's $osm_dir/guid2lid"
check "import: smd-guid2lid written (5 entries)" \
	test "$(grep -c '^0x' "$WORK/state-a/smd-guid2lid" 2>/dev/null)" = 5
is "import: OpenSM's cache unchanged" "$(cache_sum)" "$sum0"

# --- 3. restart on smd's own map -----------------------------------------------
once node2 "restart" "$WORK/state-a" none
is "restart: every port keeps its LID" "$(lids_now)" "$ref"
check "restart: nothing imported" test "$(log_count "$SMD_LOG" "imported [0-9]+ LIDs")" = 0
is "restart: OpenSM's cache unchanged" "$(cache_sum)" "$sum0"

# --- 4. OpenSM's file in state_dir ---------------------------------------------
mkdir -p "$WORK/state-b"
cp "$osm_dir/guid2lid" "$WORK/state-b/guid2lid"
once node3 "in state_dir" "$WORK/state-b" none
is "in state_dir: every port has OpenSM's LID" "$(lids_now)" "$ref"
check "in state_dir: guid2lid unchanged" cmp -s "$osm_dir/guid2lid" "$WORK/state-b/guid2lid"
check "in state_dir: nothing set aside" \
	test -z "$(find "$WORK/state-b" -name '*corrupt*')"
check "in state_dir: smd-guid2lid written" test -s "$WORK/state-b/smd-guid2lid"

# --- 5. a damaged OpenSM file ----------------------------------------------------
mkdir -p "$WORK/state-c"
bad=$WORK/state-c/guid2lid
lid_of() { tr ' ' '\n' <<<"$ref" | sed -n "s/^$1=//p"; }
{
	echo "# edited by hand"
	printf '%s 0x%04x 0x%04x\n' "$g1" "$(lid_of node1)" "$(lid_of node1)"
	printf '%s 0x%04x\n' "$g2" "$(lid_of node2)"          # line 3: max LID lost
	printf '%s 0x0040 0x0043\n' "$g3"                       # LMC 2: base 64
	printf '%s %d %d\n' "$g4" "$(lid_of node4)" "$(lid_of node4)"
	printf '%s 0x%04x 0x%04x\n' "$gsw" "$(lid_of sw)" "$(lid_of sw)"
} >"$bad"
cp "$bad" "$WORK/damaged.orig"
once node1 "damaged" "$WORK/state-c" none
now=$(lids_now)
is "damaged: the good lines' LIDs kept" \
	"$(tr ' ' '\n' <<<"$now" | grep -v '^node2=' | xargs)" \
	"$(tr ' ' '\n' <<<"$ref" | grep -v '^node2=' | sed 's/^node3=.*/node3=64/' | xargs)"
l2=$(tr ' ' '\n' <<<"$now" | sed -n 's/^node2=//p')
check "damaged: node2 got a LID of its own ($l2)" \
	test "${l2:-0}" -gt 0 -a "$(tr ' ' '\n' <<<"$now" | grep -c "=$l2\$")" = 1
check "damaged: the bad line named" log_has "$SMD_LOG" "$bad:3: too few fields"
check "damaged: logged with counts" \
	log_has "$SMD_LOG" "imported 4 LIDs from OpenSM's $bad, 1 bad lines not imported"
check "damaged: file unchanged" cmp -s "$bad" "$WORK/damaged.orig"
check "damaged: nothing set aside" test -z "$(find "$WORK/state-c" -name '*corrupt*')"

# --- 6. an older smd's guid2lid is migrated --------------------------------------
mkdir -p "$WORK/state-d"
old=$WORK/state-d/guid2lid
{
	echo "# smd guid2lid v1"
	printf '0x%016x %d\n' "$((g1))" 301 "$((g2))" 302 "$((g3))" 303 "$((g4))" 304 "$((gsw))" 300
} >"$old"
cp "$old" "$WORK/old-smd.orig"
once node1 "migration" "$WORK/state-d" none
is "migration: the old map's LIDs kept" "$(lids_now)" \
	"node1=301 node2=302 node3=303 node4=304 sw=300"
check "migration: smd-guid2lid holds them" \
	test "$(grep -c '^0x' "$WORK/state-d/smd-guid2lid" 2>/dev/null)" = 5
check "migration: the old file kept as guid2lid.migrated" \
	cmp -s "$WORK/state-d/guid2lid.migrated" "$WORK/old-smd.orig"
check "migration: no guid2lid left to mistake for OpenSM's" test ! -e "$old"
check "migration: logged" log_has "$SMD_LOG" "an older smd's LID map: 5 entries moved to smd-guid2lid"

done_testing
