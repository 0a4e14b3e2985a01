#!/usr/bin/env bash
# sim.sa_fattree: the SA and multicast forwarding on a fat-tree (4 leaves x 4
# hosts, 2 spines), smd as a daemon on h0. Hosts join groups the way IPoIB
# does (saclient); every switch's MulticastForwardingTable is read back by
# SMP (lftcheck -m) and a packet flooded from each member must reach every
# other member exactly once and no other host:
#  1. the broadcast group with five members on all four leaves; a leave
#     for another port's membership is refused (IBA o15-0.2.1), one a proxy
#     made may be undone by anyone;
#  2. a second group (full-mask join) on two leaves, the broadcast group
#     unchanged; PathRecords across leaves: three switches' worth of links,
#     MTU and rate of the fabric;
#  3. a member leaves: its host no longer gets the group's packets;
#  4. a leaf-spine cable is unlinked: the trees are rebuilt and still right.
# shellcheck source=tests/sim/lib.sh
. "$(dirname "$0")/lib.sh"
smd_only
need_lftcheck

gen_net fattree gen-fattree.sh 4 4 2 36
sim_start "$NET"
smd_conf h0 "sweep_interval = 2" >/dev/null
smd_start h0
must "subnet up" wait_until 60 log_has "$SMD_LOG" "IPoIB broadcast group ready"
declare -A GUID
for i in $(seq 0 15); do GUID[h$i]=$(node_field "h$i" 0 Guid); done

# members H...: the GUID list lftcheck -m takes
members() { local h out=""; for h in "$@"; do out+="${out:+,}${GUID[$h]}"; done; echo "$out"; }
# mcast_ok WHAT MLID HOSTS...: lftcheck -m from h0 finds the forwarding right
mcast_ok() {
	local what=$1 mlid=$2; shift 2
	lft h0 -v -m "$mlid=$(members "$@")"
	local rc=$?
	LFT_SUM=$(grep '^mftcheck:' "$WORK/lftcheck.out" | tail -n 1)
	note "$LFT_SUM"
	[ "$rc" -eq 0 ] || { grep '^mftcheck: .* gets\|never' "$WORK/lftcheck.out" | head -5 | sed 's/^/# /'; return 1; }
}

note "1. the broadcast group"
B=(h0 h3 h5 h9 h14)
for h in "${B[@]}"; do
	must "$h joins the broadcast group" sac "$h" bcast-join
	is "$h: status" "$(sac_f status)" 0x0000
	is "$h: MLID" "$(sac_f mlid)" 0xc000
done
check "forwarding of 0xc000: each member reaches the 4 others once, nobody else" \
	wait_until 10 mcast_ok bcast 0xc000 "${B[@]}"
check "the check can fail: h4, no member, is not reached" eval '! mcast_ok bcast 0xc000 "${B[@]}" h4'

note "1b. who may change a membership (IBA o15-0.2.1)"
# h4 asks h5's broadcast membership away: refused, h5 still gets the packets
SACLIENT_PORT_GID=$(port_gid6 h5) sac h4 leave ff12:401b:ffff::ffff:ffff
is "a leave on another port's behalf: ERR_REQ_INVALID" "$(sac_f status)" 0x0200
check "h5 still a member: the forwarding still reaches it" \
	wait_until 10 mcast_ok bcast 0xc000 "${B[@]}"
# a membership a proxy made (h4 for h6) may be undone by others
SACLIENT_PORT_GID=$(port_gid6 h6) sac h4 bcast-join
is "a join on h6's behalf (a new member): accepted" "$(sac_f status)" 0x0000
check "h6 is a member now" wait_until 10 mcast_ok bcast 0xc000 "${B[@]}" h6
SACLIENT_PORT_GID=$(port_gid6 h6) sac h7 leave ff12:401b:ffff::ffff:ffff
is "the proxy's membership left by another port: accepted" "$(sac_f status)" 0x0000
check "h6 no longer a member" wait_until 10 mcast_ok bcast 0xc000 "${B[@]}"

note "2. a second group"
G=ff12:601b:ffff:0000:0000:0001:ff00:0042
for h in h1 h2 h6; do
	must "$h joins $G" sac "$h" join "$G"
	is "$h: status" "$(sac_f status)" 0x0000
	is "$h: MLID" "$(sac_f mlid)" 0xc001
done
check "forwarding of 0xc001" wait_until 10 mcast_ok second 0xc001 h1 h2 h6
check "forwarding of 0xc000 unchanged" mcast_ok bcast 0xc000 "${B[@]}"
must "path h0 -> h14 answered" sac h0 path "$(port_gid6 h14)"
is "path: status" "$(sac_f status)" 0x0000
is "path: DLID" "$(sac_f dlid)" "$(port_lid h14 0 1)"
is "path: SLID" "$(sac_f slid)" "$(port_lid h0 0 1)"
is "path: MTU of the links" "$(sac_f mtu)" 4
is "path: rate of the links" "$(sac_f rate)" 3

note "3. h3 leaves the broadcast group"
must "h3 leaves" sac h3 leave ff12:401b:ffff::ffff:ffff
is "leave: status" "$(sac_f status)" 0x0000
B=(h0 h5 h9 h14)
check "forwarding of 0xc000 without h3" wait_until 10 mcast_ok bcast 0xc000 "${B[@]}"

note "4. a leaf-spine cable unlinked"
# routed_more N: smd has routed more than N times (a heavy sweep since)
routed_more() { [ "$(log_count "$SMD_LOG" 'routing: ')" -gt "$1" ]; }
routes0=$(log_count "$SMD_LOG" 'routing: ')
sim_console 'Unlink "leaf0"[5]'
must "a heavy sweep re-routes after the Unlink" wait_until 30 routed_more "$routes0"
check "forwarding of 0xc000 after the topology change" wait_until 30 mcast_ok bcast 0xc000 "${B[@]}"
check "forwarding of 0xc001 after the topology change" wait_until 30 mcast_ok second 0xc001 h1 h2 h6

done_testing
