#!/usr/bin/env bash
# sim.sa_mlid_cap: multicast groups stop at what the switches forward. A
# fat-tree (2 leaves x 2 hosts, 1 spine) whose switches hold 64 MLIDs
# (ibsim -M 64), smd on h0: the broadcast group and 63 more groups joined
# from h1 get MLIDs 0xc000..0xc03f; the next group is refused with
# ERR_NO_RESOURCES (0x0100) instead of an MLID no switch forwards (which
# was answered 0 and delivered nowhere); no "fewer than the groups need"
# warning; a group that leaves makes room for a new one.
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
okn=0
for i in $(seq 1 63); do
	sac h1 join "$(grp "$i")" >/dev/null && [ "$(sac_f status)" = 0x0000 ] && okn=$((okn + 1))
done
is "63 groups joined besides the broadcast group" "$okn" 63
is "the last of them got MLID 0xc03f" "$(sac_f mlid)" 0xc03f
must "a 65th group asked" sac h1 join "$(grp 64)"
is "refused: ERR_NO_RESOURCES" "$(sac_f status)" 0x0100
must "h1 leaves group 5" sac h1 leave "$(grp 5)"
is "left" "$(sac_f status)" 0x0000
must "the 65th group asked again" sac h1 join "$(grp 64)"
is "now made, with the MLID that left" "$(sac_f status) $(sac_f mlid)" "0x0000 0xc005"
sleep 1
is "no switch said to hold too few" "$(log_count "$SMD_LOG" 'fewer than the groups need')" 0

done_testing
