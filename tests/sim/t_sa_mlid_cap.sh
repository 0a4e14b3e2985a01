#!/usr/bin/env bash
# sim.sa_mlid_cap: multicast groups stop at what the switches forward, and
# no port can take them all. A fat-tree (2 leaves x 2 hosts, 1 spine) whose
# switches hold 64 MLIDs (ibsim -M 64), smd on h0, the broadcast group made:
#  1. h1 makes groups until refused: 55, the last eighth of the MLIDs being
#     kept for ports that made few; then ERR_NO_RESOURCES (0x0100). (Before,
#     one port took every MLID, and past the switches' 64 a join was
#     answered 0 with an MLID no switch forwards);
#  2. h2, which made none, gets the remaining 8, up to MLID 0xc03f; the next
#     is refused, from h2 too;
#  3. h1 leaves one of its groups: h1 still may not make another (it is in
#     the reserve), h2 may, and gets the MLID that left;
#  4. no "fewer than the groups need" warning.
# shellcheck source=tests/sim/lib.sh
. "$(dirname "$0")/lib.sh"
smd_only

gen_net fattree gen-fattree.sh 2 2 1 8
sim_start "$NET" -M 64
smd_conf h0 "sweep_interval = 30" >/dev/null
smd_start h0
must "subnet up" wait_until 60 log_has "$SMD_LOG" "IPoIB broadcast group ready"
check "the log names the switches' capacity" \
	log_has "$SMD_LOG" "multicast: the switches forward 64 MLIDs"
grp() { printf 'ff12:601b:ffff:0000:0000:0001:ff00:%04x' "$1"; }
# joins HOST FROM TO: groups FROM..TO joined from HOST until one is refused;
# N: how many were made, LAST: the last answer's status, MLID: the last made
joins() {
	N=0 MLID=""
	for i in $(seq "$2" "$3"); do
		sac "$1" join "$(grp "$i")" >/dev/null || break
		[ "$(sac_f status)" = 0x0000 ] || break
		N=$((N + 1))
		MLID=$(sac_f mlid)
	done
	LAST=$(sac_f status)
}

note "1. one port makes groups"
joins h1 1 63
is "h1 makes 55 (64, less the broadcast group, less the last eighth)" "$N" 55
is "then refused: ERR_NO_RESOURCES" "$LAST" 0x0100

note "2. another port"
joins h2 101 163
is "h2, which made none, gets the remaining 8" "$N" 8
is "the last MLID the switches forward" "$MLID" 0xc03f
is "then refused too" "$LAST" 0x0100

note "3. a group leaves"
must "h1 leaves group 5" sac h1 leave "$(grp 5)"
is "left" "$(sac_f status)" 0x0000
must "h1 asks for another" sac h1 join "$(grp 60)"
is "h1, which made many, is refused" "$(sac_f status)" 0x0100
must "h2 asks for another" sac h2 join "$(grp 164)"
is "h2 gets it, with the MLID that left" "$(sac_f status) $(sac_f mlid)" "0x0000 0xc005"
sleep 1
is "4. no switch said to hold too few" "$(log_count "$SMD_LOG" 'fewer than the groups need')" 0

done_testing
