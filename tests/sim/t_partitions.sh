#!/usr/bin/env bash
# sim.partitions: partitions.conf on a switched fabric (2 leaves, 2 spines,
# 6 hosts). Several partitions (full and limited members, ipoib with mtu=5
# and mtu=4): every CA's P_Key table, and the table of every switch port
# facing a CA, read back with smpquery, equal what OpenSM writes for the
# same file on the same (fresh) fabric. (ibsim stores no PartitionEnforcement
# bits: smd's Sets of them are counted in its log.)
# Then with smd running as master, the SA honours them: IPoIB's joins to a
# partition's broadcast group (its MTU to members, refused to others), the
# IPv4 all-hosts group IPoIB makes, PathRecord with a partition's P_Key
# (members only) and without one, saquery --pkey, P_KeyTableRecord; the
# default partition keeps working for everyone.
# shellcheck source=tests/sim/lib.sh
. "$(dirname "$0")/lib.sh"
need_smd
smd_only
command -v opensm >/dev/null || fail "opensm is needed for the reference tables"

gen_net fat gen-fattree.sh 2 3 2 8
sim_start "$NET"
declare -a G
for i in 0 1 2 3 4 5; do
	G[i]=$(port_guid "h$i")
	[ -n "${G[i]}" ] || fail "no port GUID for h$i"
done
note "hosts: ${G[*]}"

pconf=$WORK/partitions.conf
cat >"$pconf" <<EOP
# the test's partitions: h0 runs the SM
Default=0x7fff, ipoib, mtu=5 : ALL=full ;
storage=0x8001, ipoib, mtu=4 :
	${G[1]}=full, ${G[2]}=full,
	${G[3]}=limited ;
tenant = 0x0002, ipoib, defmember=full : ${G[3]}, ${G[4]}=limited, SELF ;
wide=0x0100 : ALL_CAS=limited, ${G[5]}=full ;
switches=0x0003 : ALL_SWITCHES=full ;
EOP
# seven more for the switches: their port 0 holds 8 P_Keys (ibsim's
# PartitionCap), so one of their 9 keys cannot be held
for k in 10 11 12 13 14 15 16; do echo "sw$k=0x00$k : ALL_SWITCHES=full ;" >>"$pconf"; done

# pk NODE DRPATH PORT: the non-empty entries of a P_Key table ("0:0xffff 2:0x8001").
pk() {
	diag "$1" smpquery -D pkeys "$2" "$3" 2>/dev/null | grep -v capacity |
		awk '{ for (i = 2; i <= NF; i++) if ($i != "0x0000") printf "%d:%s ", $1 + i - 2, $i }'
}

# enf NODE DRPATH PORT: the port's partition enforcement bits ("in 1 out 1").
enf() {
	port_info "$1" "$2" "$3" | awk -F: '/^PartEnforceInb/ { gsub(/\./, "", $2); i = $2 }
		/^PartEnforceOutb/ { gsub(/\./, "", $2); o = $2 } END { printf "in %s out %s", i, o }'
}

# tables: every P_Key table that matters, one line each: the CA port of
# every host, the leaf port facing it (with its enforcement bits), each
# switch's port 0, and a leaf-spine link (no enforcement there).
tables() {
	local i lp
	for i in 0 1 2 3 4 5; do
		lp=$((i % 3 + 1))   # the leaf behind h$i faces it with port lp
		echo "h$i: $(pk "h$i" 0 1)"
		echo "leaf port $lp facing h$i: $(pk "h$i" 0,1 "$lp")| $(enf "h$i" 0,1 "$lp")"
	done
	echo "leaf0 port 0: $(pk h0 0,1 0)"
	echo "leaf1 port 0: $(pk h3 0,1 0)"
	echo "spine0 port 0: $(pk h0 0,1,4 0)"
	echo "leaf0 port 4 (to spine0): $(enf h0 0,1 4)"
}

osm_run h0 -P "$pconf" || note "opensm --once exited $?"
tables >"$WORK/opensm.tables"
sim_stop

sim_start "$NET"
smd_conf h0 "" "[partitions]" "file = $pconf" >/dev/null
smd_run h0 --once
is "smd --once on the fabric" "$?" 0
tables >"$WORK/smd.tables"
note "OpenSM:"; sed 's/^/#   /' "$WORK/opensm.tables"
note "smd:"; sed 's/^/#   /' "$WORK/smd.tables"
if diff -u "$WORK/opensm.tables" "$WORK/smd.tables" >"$WORK/tables.diff"; then
	ok "P_Key tables and enforcement equal OpenSM's"
else
	not_ok "P_Key tables differ from OpenSM's: $(cat "$WORK/tables.diff")"
fi
# what the file says, read on the ports (not only "the same as OpenSM")
check "h1 full in storage (0x8001) at index 2" grep -q '^h1: 0:0xffff 1:0x0100 2:0x8001 $' "$WORK/smd.tables"
check "h3 limited in storage, full in tenant" grep -q '^h3: 0:0xffff 1:0x0100 2:0x0001 3:0x8002 $' "$WORK/smd.tables"
check "h5 full in wide only" grep -q '^h5: 0:0xffff 1:0x8100 $' "$WORK/smd.tables"
check "the leaf port facing h4 holds h4's keys" \
	grep -q '^leaf port 2 facing h4: 0:0xffff 1:0x0100 2:0x0002 |' "$WORK/smd.tables"
is "a switch's port 0 that cannot hold its keys is named once a switch" \
	"$(grep -c 'port 0 (0x[0-9a-f]*) holds 8 P_Keys (PartitionCap): 1 of its 9 partitions left out' "$SMD_LOG")" 4
# ibsim keeps no PartitionEnforcement bits (its PortInfo Set drops them, and
# it enforces nothing): the Sets are seen in smd's log, one per leaf port
# facing a host and none toward the spines.
is "enforcement turned on at the 6 leaf ports facing hosts" \
	"$(grep -c 'leaf[01] port [123] .*: partition enforcement on' "$SMD_LOG")" 6
is "no enforcement toward the spines" "$(grep -c 'port [45] .*partition enforcement' "$SMD_LOG")" 0

# ---- the SA (smd running on the same fabric) ----
smd_start h0
must "smd master, partitions' broadcast groups ready" wait_until 30 log_has "$SMD_LOG" \
	"IPoIB broadcast group ready: .*partition storage"
declare -a L
for i in 0 1 2 3 4 5; do L[i]=$(port_lid "h$i" 0 1); done
note "LIDs: ${L[*]}"

# join NODE PKEY MGID: IPoIB's partial join of the broadcast group.
join() { SACLIENT_PKEY=$2 sac "$1" partial-join "$3"; }
join h1 0x8001 ff12:401b:8001::ffff:ffff
is "member h1 joins storage's broadcast group" "$(sac_f status)" 0x0000
is "... with storage's MTU (mtu=4: 2048)" "$(sac_f mtu)" 4
is "... and its P_Key" "$(sac_f pkey)" 0x8001
join h3 0x0001 ff12:401b:8001::ffff:ffff
is "limited member h3 joins it too" "$(sac_f status)" 0x0000
join h4 0xffff ff12:401b:8001::ffff:ffff
is "non-member h4 is refused" "$(sac_f status)" 0x0200
join h4 0x8002 ff12:401b:8002::ffff:ffff
is "h4 (limited in tenant) joins tenant's group" "$(sac_f status)" 0x0000
is "... tenant has no mtu=: OpenSM's 2048" "$(sac_f mtu)" 4
join h4 0xffff ff12:401b:ffff::ffff:ffff
is "the default partition: h4 joins its group" "$(sac_f status)" 0x0000
is "... with its MTU (mtu=5: 4096)" "$(sac_f mtu)" 5
SACLIENT_PKEY=0x8001 sac h1 join ff12:401b:8001::1
is "h1 makes storage's IPv4 all-hosts group (full join)" "$(sac_f status)" 0x0000
SACLIENT_PKEY=0x8001 sac h4 join ff12:401b:8001::1
is "h4 may not join it" "$(sac_f status)" 0x0200
SACLIENT_PKEY=0x8001 sac h5 join ff12:401b:8001::2
is "h5 may not make a group in storage" "$(sac_f status)" 0x0200

# path NODE PKEY DGID-NODE: IPoIB's PathRecord Get.
path() { SACLIENT_PKEY=$2 sac "$1" path "$(port_gid6 "$3")"; }
path h1 0x8001 h2
is "path h1 -> h2 in storage" "$(sac_f status)" 0x0000
is "... with storage's P_Key" "$(sac_f pkey)" 0x8001
path h3 0x8001 h1
is "path from limited h3 to full h1 in storage" "$(sac_f status)" 0x0000
is "... with h3's own (limited) key" "$(sac_f pkey)" 0x0001
path h1 0x8001 h4
is "no path h1 -> h4 (not a member) in storage" "$(sac_f status)" 0x0300
path h3 0x0100 h4
is "no path between two limited members of wide" "$(sac_f status)" 0x0300
path h4 0xffff h1
is "the default partition: path h4 -> h1" "$(sac_f status)" 0x0000
is "... P_Key 0xffff" "$(sac_f pkey)" 0xffff

sq() { SQ=$(diag "$1" saquery "${@:2}" 2>&1); SQ_RC=$?; }
# absent DESC REGEX: saquery answered (exit 0) and REGEX is not in it.
absent() {
	if [ "$SQ_RC" -eq 0 ] && ! grep -qE -- "$2" <<<"$SQ"; then ok "$1"; return; fi
	not_ok "$1 (exit $SQ_RC: $(head -c 300 <<<"$SQ"))"
}
sq h1 -p --pkey 0x8001 --slid "${L[1]}" --dlid "${L[2]}"
check "saquery --pkey 0x8001 -p h1 -> h2 answers" grep -q "pkey.*0x8001" <<<"$SQ"
sq h1 -p --pkey 0x8001 --slid "${L[1]}" --dlid "${L[4]}"
absent "saquery --pkey 0x8001 -p h1 -> h4 finds none" pkey
sq h4 -g --mgid ff12:401b:8001::ffff:ffff
absent "h4 does not see storage's group (saquery -g --mgid)" "ff12:401b:8001"
sq h4 -g --mgid ff12:401b:ffff::ffff:ffff
check "h4 sees the default partition's group" grep -q "ff12:401b:ffff::ffff:ffff" <<<"$SQ"
sq h1 -g --mgid ff12:401b:8001::ffff:ffff
check "h1 sees it" grep -q "ff12:401b:8001::ffff:ffff" <<<"$SQ"
sq h1 MCMR --pkey 0x8001
check "saquery MCMR --pkey 0x8001: storage's groups" grep -q "ff12:401b:8001::ffff:ffff" <<<"$SQ"
absent "... and not the default partition's" "ff12:401b:ffff::ffff:ffff"
sq h1 PKTR "${L[3]}/1/0"
note "$SQ"
check "P_KeyTableRecord of h3 (saquery PKTR lid/1/0): its keys" \
	grep -qE "0xffff 0x0100 0x0001 0x8002" <<<"$(tr -s ' \n' ' ' <<<"$SQ")"
smd_stop "$SMD_PID"
done_testing
