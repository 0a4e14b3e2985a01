#!/usr/bin/env bash
# sim.rate_mixed: PathRecord rate and MTU on links of every width (1x, 2x,
# 4x, 8x, 12x) and speed (SDR, DDR, QDR, FDR, EDR, HDR): fabrics/rates.net,
# three switches in a tree, so any two ports have one path whatever the
# routing. OpenSM is the reference, run first on the same fabric:
#  1. OpenSM (daemon on h0): the PathRecord of every ordered pair of LID
#     ports (saquery by GIDs, from h0); the fabric really has extended speeds
#     (4x HDR to 12x HDR: 200 Gb/s);
#  2. smd on a fresh ibsim: every pair's rate and MTU are OpenSM's;
#  3. the IPoIB broadcast group's rate is `auto`'s (README): the slowest CA
#     link, i.e. the lowest of OpenSM's loopback PathRecord rates of the CAs.
# shellcheck source=tests/sim/lib.sh
. "$(dirname "$0")/lib.sh"
smd_only

NET=$SIM_FABRICS/rates.net
SWITCHES=(s0 s1 s2)
HOSTS=(h0 h1 h2 h3 h4 h5 h6 h7 h8 h9 h10 h11 h12)
NODES=("${SWITCHES[@]}" "${HOSTS[@]}")
NLINKS=15
# Rate codes (IBA table 271) -> tenths of Gb/s: codes are not in speed order.
declare -A TENTHS=([2]=25 [3]=100 [4]=300 [5]=50 [6]=200 [7]=400 [8]=600 [9]=800
	[10]=1200 [11]=140 [12]=560 [13]=1120 [14]=1680 [15]=250 [16]=1000 [17]=2000
	[18]=3000 [19]=280 [20]=500 [21]=4000 [22]=6000 [23]=8000 [24]=12000)

# sq_f KEY: a "key....value" line of the last saquery output, low 6 bits
# (rate and MTU carry their selector in the top two).
sq_f() {
	local v
	v=$(sed -n "s/^[[:space:]]*$1\.*//p" <<<"$SQ" | head -n 1)
	[ -n "$v" ] && echo $((v & 63))
}

# paths FILE: "SRC DST rate mtu" of every ordered pair's PathRecord, asked
# from h0 by GIDs (GID[] set for this fabric); "SRC DST none" when the SA
# has none.
paths() {
	local s d
	: >"$1"
	for s in "${NODES[@]}"; do
		for d in "${NODES[@]}"; do
			SQ=$(diag h0 saquery -p --sgid-to-dgid "${GID[$s]}-${GID[$d]}" 2>&1)
			if [ -n "$(sq_f rate)" ]; then
				echo "$s $d $(sq_f rate) $(sq_f mtu)"
			else
				echo "$s $d none"
			fi
		done >>"$1"
	done
}

declare -A GID
note "1. OpenSM, the reference"
sim_start "$NET"
for n in "${NODES[@]}"; do GID[$n]=$(port_gid6 "$n"); done
osm_start h0
must "OpenSM brings all $NLINKS links up" wait_until 60 fabric_all_active h0 "$NLINKS"
must "OpenSM's SA answers" wait_until 30 eval 'SQ=$(diag h0 saquery -p --sgid-to-dgid "${GID[h0]}-${GID[h2]}" 2>&1); [ -n "$(sq_f rate)" ]'
paths "$WORK/osm.paths"
proc_stop "$OSM_PID"
sim_stop
is "OpenSM: every pair has a path" "$(grep -c ' none$' "$WORK/osm.paths")" 0
is "OpenSM: h0 (4x HDR) to h2 (12x HDR): 200 Gb/s" "$(awk '$1 == "h0" && $2 == "h2" { print $3 }' "$WORK/osm.paths")" 17
note "OpenSM's rates: $(awk '{ print $3 }' "$WORK/osm.paths" | sort -n | uniq -c | tr -s ' \n' ' ')"

note "2. smd on the same fabric"
sim_start "$NET"
smd_start h0
must "subnet up" wait_until 60 log_has "$SMD_LOG" "IPoIB broadcast group ready"
paths "$WORK/smd.paths"
diffs=$(diff "$WORK/osm.paths" "$WORK/smd.paths" | grep '^[<>]')
is "every pair's rate and MTU are OpenSM's (src dst rate mtu; < OpenSM, > smd)" "$diffs" ""

note "3. the broadcast group's rate"
low=""
while read -r s d rate _; do
	[ "$s" = "$d" ] && [[ $s == h* ]] || continue
	if [ -z "$low" ] || [ "${TENTHS[$rate]}" -lt "${TENTHS[$low]}" ]; then low=$rate; fi
done <"$WORK/osm.paths"
SQ=$(diag h0 saquery -g 2>&1)
bcast=$(awk '/MCMemberRecord/ { g = 0 } /MGID.*ff12:401b:ffff::ffff:ffff/ { g = 1 }
	g && /^[[:space:]]*Rate/ { sub(/^[^.]*\.+/, ""); print; exit }' <<<"$SQ")
is "saquery -g: the broadcast group's rate is the slowest CA link's (code $low)" \
	"$((bcast & 63))" "$low"

done_testing
