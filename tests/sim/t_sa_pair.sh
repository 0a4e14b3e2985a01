#!/usr/bin/env bash
# sim.sa_pair: smd's SA on the pair, asked by saquery and by saclient (what
# the kernel's IPoIB sends), every answer checked field by field against the
# fabric (smpquery):
#  - ClassPortInfo (send-only full member bit), NodeRecord, PortInfoRecord,
#    PathRecord (saquery and IPoIB's DGID|SGID|TClass|NumbPath|P_Key Get):
#    LIDs, GIDs, MTU and rate of the link;
#  - the IPoIB broadcast group exists once the subnet is up; IPoIB's
#    partial-mask join succeeds on both nodes; a partial join of an absent
#    group is refused (0x0600); a full-mask join creates a group (next MLID),
#    a leave removes it, a second leave is refused (0x0200);
#  - bad input: unknown attribute (0x000c), unknown method (0x0008), a
#    component the SA does not match on (0x0200), a truncated MAD (0x0200),
#    a path with no destination (0x0600), an unknown GID (0x0500); smd keeps
#    serving;
#  - after failover the new master serves the broadcast group with the same
#    MLID and nothing stale, with the MTU its smd.conf sets ([ipoib] mtu).
. "$(dirname "$0")/lib.sh"
smd_only

sim_start "$SIM_FABRICS/pair.net"
smd_conf node1 "priority = 9" >/dev/null
# node2's SA will give IPoIB a 1024-byte MTU ([ipoib] mtu) once it masters.
smd_conf node2 "priority = 3" "[ipoib]" "mtu = 1024" >/dev/null
smd_start node1
pid1=$SMD_PID
log1=$SMD_LOG
must "ports Active" wait_until 30 all_active node1:1 node2:1
must "node1 MASTER" wait_until 30 sm_state_is node1 MASTER -D 0
must "the broadcast group is ready" wait_until 10 log_has "$log1" "IPoIB broadcast group ready"
lid1=$(port_lid node1 0 1)
lid2=$(port_lid node2 0 1)
gid1=$(port_gid6 node1)
gid2=$(port_gid6 node2)
mtu=$(port_field node2 0 1 NeighborMTU)
note "LIDs $lid1 $lid2, GIDs $gid1 $gid2, link MTU $mtu"
is "the link's MTU (ibsim)" "$mtu" 2048
BCAST=ff12:401b:ffff:0000:0000:0000:ffff:ffff

sq() { diag node2 saquery "$@" 2>&1; }
# sq_f KEY: a "key....value" line of the last saquery output.
sq_f() { sed -n "s/^[[:space:]]*$1\.*//p" <<<"$SQ" | head -n 1; }

SQ=$(sq -c)
is "ClassPortInfo: class version" "$(sq_f 'Class version')" 2
is "ClassPortInfo: send-only full member supported" "$(sq_f 'Capability mask 2')" 0x00001000
SQ=$(sq NR "$lid2")
is "NodeRecord: lid" "$(sq_f lid)" "$lid2"
check "NodeRecord: node GUID" guid_eq "$(sq_f node_guid)" "$(node_field node2 0 Guid)"
check "NodeRecord: port GUID" guid_eq "$(sq_f port_guid)" "$(port_guid node2)"
is "NodeRecord: description" "$(sq_f NodeDescription)" "node2 HCA-1"
SQ=$(sq PIR "$lid1/1")
is "PortInfoRecord: EndPortLid" "$(sq_f EndPortLid)" "$lid1"
is "PortInfoRecord: Lid" "$(sq_f 'Lid:')" "$lid1"
is "PortInfoRecord: LinkState" "$(sq_f 'LinkState:')" Active
SQ=$(sq -s)
is "saquery -s (PortInfoRecord by IsSM capability): the SM's port" "$(sq_f EndPortLid)" "$lid1"
SQ=$(sq -p --slid "$lid1" --dlid "$lid2")
is "PathRecord (saquery): dlid" "$(sq_f dlid)" "$lid2"
is "PathRecord (saquery): slid" "$(sq_f slid)" "$lid1"
is "PathRecord (saquery): MTU 2048 (selector exactly)" "$(sq_f mtu)" 0x84
is "PathRecord (saquery): rate 10 Gb/s, 4X SDR (selector exactly)" "$(sq_f rate)" 0x83
SQ=$(sq -g)
check "saquery -g shows the broadcast group" grep -q "ff12:401b:ffff::ffff:ffff" <<<"$SQ"
is "its MLID" "$(sq_f Mlid)" 0xC000

note "IPoIB on both nodes"
for n in node2 node1; do
	must "$n: broadcast join answered" sac "$n" bcast-join
	is "$n: status" "$(sac_f status)" 0x0000
	is "$n: MGID" "$(sac_f mgid)" "$BCAST"
	g=$gid2; [ "$n" = node1 ] && g=$gid1
	is "$n: PortGID" "$(sac_f portgid)" "$g"
	is "$n: Q_Key" "$(sac_f qkey)" 0x00000b1b
	is "$n: MLID" "$(sac_f mlid)" 0xc000
	is "$n: MTU 2048" "$(sac_f mtu)" 4
	is "$n: MTU selector exactly" "$(sac_f mtu_sel)" 2
	is "$n: rate 10 Gb/s" "$(sac_f rate)" 3
	is "$n: P_Key" "$(sac_f pkey)" 0xffff
	is "$n: SL" "$(sac_f sl)" 0
	is "$n: scope link-local" "$(sac_f scope)" 2
	is "$n: JoinState full member" "$(sac_f join)" 1
done
must "path query answered" sac node2 path "$gid1"
is "path: status" "$(sac_f status)" 0x0000
is "path: DGID" "$(sac_f dgid)" "$gid1"
is "path: SGID" "$(sac_f sgid)" "$gid2"
is "path: DLID" "$(sac_f dlid)" "$lid1"
is "path: SLID" "$(sac_f slid)" "$lid2"
is "path: MTU 2048" "$(sac_f mtu)" 4
is "path: rate 10 Gb/s" "$(sac_f rate)" 3
is "path: P_Key" "$(sac_f pkey)" 0xffff
is "path: reversible" "$(sac_f reversible)" 1
is "path: TClass echoed" "$(sac_f tclass)" 0

G6=ff12:601b:ffff:0000:0000:0001:ff00:0003
must "partial join of an absent group answered" sac node2 partial-join "$G6"
is "refused: insufficient components" "$(sac_f status)" 0x0600
must "full-mask join answered" sac node2 join "$G6"
is "created: status" "$(sac_f status)" 0x0000
is "created: MGID" "$(sac_f mgid)" "$G6"
is "created: the next MLID" "$(sac_f mlid)" 0xc001
is "created: Q_Key" "$(sac_f qkey)" 0x00000b1b
is "created: MTU" "$(sac_f mtu)" 4
SQ=$(sq -g)
check "saquery -g lists the new group" grep -q "ff12:601b:ffff::1:ff00:3" <<<"$SQ"
must "leave answered" sac node2 leave "$G6"
is "left: status" "$(sac_f status)" 0x0000
check "the empty group is removed" log_has "$log1" "removed: no members left"
SQ=$(sq -g)
check "saquery -g no longer lists it" eval '! grep -q "ff12:601b:ffff::1:ff00:3" <<<"$SQ"'
check "the broadcast group stays" grep -q "ff12:401b:ffff::ffff:ffff" <<<"$SQ"
must "second leave answered" sac node2 leave "$G6"
is "refused: invalid request" "$(sac_f status)" 0x0200

note "bad input"
# saclient raw METHOD ATTR MASK [LEN]
must "unknown attribute answered" sac node2 raw 0x01 0x0099 0
is "unknown attribute: 0x000c" "$(sac_f status)" 0x000c
must "unknown method answered" sac node2 raw 0x14 0x0011 0
is "unknown method: 0x0008" "$(sac_f status)" 0x0008
must "NodeRecord Set answered" sac node2 raw 0x02 0x0011 0
is "Set of a NodeRecord: 0x000c" "$(sac_f status)" 0x000c
must "a component not matched on answered" sac node2 raw 0x12 0x0011 0x8000000000
is "unsupported component: 0x0200" "$(sac_f status)" 0x0200
must "truncated MAD answered" sac node2 raw 0x01 0x0011 0 40
is "truncated: 0x0200" "$(sac_f status)" 0x0200
must "path without destination answered" sac node2 raw 0x01 0x0035 0
is "no destination: 0x0600" "$(sac_f status)" 0x0600
must "path to an unknown GID answered" sac node2 path fe80::dead:beef
is "unknown GID: 0x0500" "$(sac_f status)" 0x0500
SQ=$(sq NR "$lid1")
is "still serving: NodeRecord" "$(sq_f lid)" "$lid1"
check "smd still running" proc_alive "$pid1"

note "failover"
smd_start node2
pid2=$SMD_PID
must "node2 STANDBY" wait_until 30 sm_state_is node2 STANDBY -D 0
proc_stop "$pid1" KILL
must "node2 MASTER" wait_until 30 sm_state_is node2 MASTER -D 0
must "node1 points at the new SM" wait_until 30 smlid_is node1 "$lid2"
must "the new master's broadcast group" wait_until 10 eval 'SQ=$(diag node1 saquery -g 2>&1); grep -q "ff12:401b:ffff::ffff:ffff" <<<"$SQ"'
is "same MLID" "$(sq_f Mlid)" 0xC000
is "the MTU from [ipoib] mtu = 1024" "$(sq_f Mtu)" 0x83
is "nothing stale: one record, no members yet" "$(grep -c 'MGID' <<<"$SQ")" 1
must "node1 joins the new master's group" sac node1 bcast-join
is "status" "$(sac_f status)" 0x0000
is "MLID" "$(sac_f mlid)" 0xc000
is "MTU 1024" "$(sac_f mtu)" 3

done_testing
