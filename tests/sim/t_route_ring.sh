#!/usr/bin/env bash
# sim.route_ring: routing of an irregular fabric, a ring of 7 switches with
# 2 random chords (gen-ring.sh, seed 5) and 2 hosts per switch. On this
# fabric every min-hop routing has a credit loop, whatever its tie-breaking
# (some 2-hop shortest paths are unique and chain around a cycle), so only
# an up/down-like engine can route it deadlock-free. (With 6 switches and 2
# chords no chord placement forces that: there a min-hop engine may or may
# not close a loop depending on how it breaks ties.) Judged by
# tests/tools/lftcheck:
#  1. default engine (auto): smd --once exits 0, every pair routed, the
#     channel dependency graph acyclic, every link Active, and the smd log
#     names the engine it chose: updn;
#  2. [routing] engine = minhop on a fresh fabric: every pair still routed
#     but lftcheck finds the CDG cyclic (exit 1): the check can fail.
# SIM_SM=opensm: OpenSM's updn with sw0 as its root (OpenSM finds no root on
# its own here), then its default minhop.
# shellcheck source=tests/sim/lib.sh
. "$(dirname "$0")/lib.sh"

need_lftcheck

SWITCHES=7 CHORDS=2 SEED=5 HOSTS=2 PORTS=8
gen_net ring gen-ring.sh $SWITCHES $CHORDS $SEED $HOSTS $PORTS
is "fabric file cables" "$NET_LINKS" $((SWITCHES * HOSTS + SWITCHES + CHORDS))
cas=$((SWITCHES * HOSTS))
lids=$((cas + SWITCHES))
pairs=$((cas * lids))

# counts WHAT: switches, CA ports, LIDs, links Active, pairs routed.
counts() {
	note "$LFT_SUM"
	is "$1: switches" "$(sum_field switches)" "$SWITCHES"
	is "$1: CA ports" "$(sum_field cas)" "$cas"
	is "$1: LIDs (no LID 0, no duplicate)" "$(sum_field lids)/$(sum_field badlids)" "$lids/0"
	is "$1: links Active" "$(sum_field links)/$(sum_field active)" "$NET_LINKS/$NET_LINKS"
	is "$1: pairs routed" "$(sum_field routed)/$(sum_field pairs)" "$pairs/$pairs"
	is "$1: unreachable, loops" "$(sum_field unreachable)/$(sum_field loops)" "0/0"
}

# --- 1. auto ---------------------------------------------------------------------
sim_start "$NET"
if is_smd; then
	smd_conf h0 >/dev/null
	smd_run h0 --once
	is "--once (engine auto): exit status" "$?" 0
	auto_log=$SMD_LOG
else
	# sw0 is h0's switch (DR 0,1)
	printf '%s\n' "$(node_field h0 0,1 Guid)" >"$WORK/osm-roots"
	osm_run h0 -R updn -a "$WORK/osm-roots"
	is "opensm --once -R updn: exit status" "$?" 0
fi
lft h0 -v
is "auto: lftcheck exit status" "$?" 0
counts "auto"
is "auto: channel dependency graph" "$(sum_field cdg)" acyclic
if is_smd; then
	check "auto: the log names the engine: 'routing: updn for $lids LIDs over $SWITCHES switches'" \
		log_has "$auto_log" "routing: updn for $lids LIDs over $SWITCHES switches in [0-9.]+ ms"
fi

# --- 2. minhop: the check can fail ----------------------------------------------
sim_start "$NET"
if is_smd; then
	smd_conf h0 "[routing]" "engine = minhop" >/dev/null
	smd_run h0 --once
	is "--once (engine minhop): exit status" "$?" 0
	check "minhop: the log names the engine" \
		log_has "$SMD_LOG" "routing: minhop for $lids LIDs over $SWITCHES switches"
else
	osm_run h0
	is "opensm --once (minhop): exit status" "$?" 0
fi
lft h0 -v
is "minhop: lftcheck exit status (credit loop found)" "$?" 1
counts "minhop"
is "minhop: channel dependency graph" "$(sum_field cdg)" cyclic
check "minhop: lftcheck -v prints the cycle" grep -q '^cdg cycle: ' "$WORK/lftcheck.out"

done_testing
