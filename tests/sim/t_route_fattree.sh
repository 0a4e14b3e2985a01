#!/usr/bin/env bash
# sim.route_fattree: unicast routing of a two-level fat-tree, 4 leaves x 4
# hosts, 2 spines, 36-port switches (gen-fattree.sh), with the SM running as
# a daemon on h0 (sweep_interval 2). Judged by tests/tools/lftcheck (reads
# every switch's LFT by SMP, walks every CA port -> LID pair, checks the
# channel dependency graph) and by LID-routed diags:
#  1. every link Active, every pair routed over Active links, CDG acyclic,
#     no LID 0 or duplicate; LID-routed `smpquery nodeinfo` from h0 reaches
#     hosts and switches on other leaves (the right node answers);
#  2. Unlink of a leaf-spine cable: every pair routed again within 30 s, no
#     LID changed, LID-routed queries to that leaf work;
#  3. ReLink: every pair routed; smd keeps the routes that stand (they move
#     only on demand), so after `smctl rebalance` the per-uplink loads
#     (destination LIDs routed out of each leaf uplink) equal those before
#     the Unlink (OpenSM rebalances by itself);
#  4. SM and ibsim stopped, fresh ones started with the same state: every
#     port gets the LID it had.
# Functions below run through check/wait_until:
# shellcheck disable=SC2317
# shellcheck source=tests/sim/lib.sh
. "$(dirname "$0")/lib.sh"

need_lftcheck

LEAVES=4 HOSTS=4 SPINES=2 PORTS=36
gen_net fattree gen-fattree.sh $LEAVES $HOSTS $SPINES $PORTS
cas=$((LEAVES * HOSTS))
lids=$((cas + LEAVES + SPINES))

# routed WHAT [LINKS [MAXHOPS]]: the last lftcheck summary shows a fully
# routed, deadlock-free fabric with LINKS links (default: all), all Active,
# no route crossing more than MAXHOPS switches (default 3: leaf, spine, leaf).
routed() {
	local want_links=${2:-$NET_LINKS} maxhops=${3:-3}
	note "$LFT_SUM"
	is "$1: switches" "$(sum_field switches)" $((LEAVES + SPINES))
	is "$1: CA ports" "$(sum_field cas)" "$cas"
	is "$1: LIDs (no LID 0, no duplicate)" "$(sum_field lids)/$(sum_field badlids)" "$lids/0"
	is "$1: links Active" "$(sum_field links)/$(sum_field active)" "$want_links/$want_links"
	is "$1: pairs routed" "$(sum_field routed)" $((cas * lids))
	is "$1: channel dependency graph" "$(sum_field cdg)" acyclic
	check "$1: at most $maxhops switches on a route ($(sum_field maxhops))" \
		test "$(sum_field maxhops)" -le "$maxhops"
}

# lid_answers NODE LID GUID: a LID-routed NodeInfo from NODE to LID is
# answered by the node with GUID.
lid_answers() {
	local g
	g=$(diag "$1" smpquery nodeinfo "$2" 2>/dev/null | _field Guid)
	guid_eq "$g" "$3"
}

# spot_checks WHAT: LID-routed queries from h0 to hosts and switches on the
# other leaves (and to spine1), compared with what directed route says.
spot_checks() {
	local t lid guid
	for t in h$HOSTS h$((2 * HOSTS + 1)) h$((cas - 1)) "leaf$((LEAVES - 1))" "spine$((SPINES - 1))"; do
		case $t in
		h*) lid=$(port_lid "$t" 0 1) ;;
		*) lid=$(port_lid "$t" 0 0) ;;  # a switch's own port 0
		esac
		guid=$(node_field "$t" 0 Guid)
		check "$1: smpquery nodeinfo $lid (LID-routed, h0 -> $t) answered by $guid" \
			lid_answers h0 "${lid:-0}" "$guid"
	done
}

# uplink_loads: "guid port load" of every leaf uplink (ports HOSTS+1..) from
# the last `lft -l` run.
uplink_loads() {
	awk -v leaves="$LEAF_GUIDS" -v h="$HOSTS" '
		BEGIN { n = split(leaves, a, " "); for (i = 1; i <= n; i++) leaf[a[i]] = 1 }
		$1 == "load" && ($2 in leaf) && $3 > h { print $2, $3, $4 }' "$WORK/lftcheck.out"
}
lid_dump() { grep '^lid ' "$WORK/lftcheck.out"; }

# balanced: every pair routed and the uplink loads equal the first ones.
balanced() {
	lft h0 -v -l -L && [ "$(sum_field active)" = "$NET_LINKS" ] && [ "$(uplink_loads)" = "$LOADS0" ]
}

# --- 1. bring-up -----------------------------------------------------------------
export OSM_SWEEP=2  # SIM_SM=opensm: the same sweep interval
smd_conf h0 "sweep_interval = 2" >/dev/null
sim_start "$NET"
t0=$(now_ms)
sm_start h0 1
pid=$SM_PID
if check "every link Active within 30 s" wait_until 30 fabric_all_active h0 "$NET_LINKS"; then
	note "all Active after $(($(now_ms) - t0)) ms"
fi
if check "every pair routed within 30 s" wait_until 30 lft h0 -v -l -L; then
	note "routed after $(($(now_ms) - t0)) ms"
fi
routed "bring-up"
LIDS0=$(lid_dump)
LEAF_GUIDS=""
for ((i = 0; i < LEAVES; i++)); do
	g=$(node_field "h$((i * HOSTS))" 0,1 Guid)
	LEAF_GUIDS+="$(printf '0x%016x' "$((g))") "
done
LOADS0=$(uplink_loads)
note "uplink loads (leaf guid, port, LIDs): $(tr '\n' ' ' <<<"$LOADS0")"
is "uplink load lines" "$(grep -c . <<<"$LOADS0")" $((LEAVES * SPINES))
spot_checks "bring-up"

# --- 2. Unlink a leaf-spine cable ------------------------------------------------
# leaf1 port HOSTS+1 is cabled to spine0; h$HOSTS hangs off leaf1 (DR 0,1).
up=$((HOSTS + 1))
sim_console "Unlink \"leaf1\"[$up]"
must "leaf1 port $up goes Down" wait_until 10 port_is "h$HOSTS" 0,1 "$up" Down
t0=$(now_ms)
if check "every pair routed again within 30 s of the Unlink" wait_until 30 lft h0 -v -L; then
	note "re-routed after $(($(now_ms) - t0)) ms"
fi
# Minimal now: leaf1's hosts reach spine0 over spine1 and another leaf (4
# switches); 5 leaves room for an up/down engine's detours.
routed "after Unlink" $((NET_LINKS - 1)) 5
is "after Unlink: LIDs unchanged" "$(lid_dump)" "$LIDS0"
spot_checks "after Unlink"
check "SM still running" proc_alive "$pid"

# --- 3. ReLink: balance restored -------------------------------------------------
t0=$(now_ms)
sim_console "ReLink \"leaf1\"[$up]"
# all_links: every pair routed over every link, all Active.
all_links() { lft h0 -v -l -L && [ "$(sum_field active)" = "$NET_LINKS" ]; }
if is_smd; then
	must "ReLink: every pair routed over every link within 30 s" wait_until 30 all_links
	must "smctl rebalance" smctl h0 rebalance
	check "a heavy sweep routes afresh" wait_until 10 log_has "$SMD_LOG" 'routing: .*\(rebalanced\)'
fi
if check "ReLink: routed with the first uplink loads within 30 s" wait_until 30 balanced; then
	note "balance restored after $(($(now_ms) - t0)) ms"
fi
routed "after ReLink"
is "after ReLink: uplink loads" "$(uplink_loads | tr '\n' ' ')" "$(tr '\n' ' ' <<<"$LOADS0")"
is "after ReLink: LIDs unchanged" "$(lid_dump)" "$LIDS0"
spot_checks "after ReLink"

# --- 4. SM and fabric restarted, same state directory ---------------------------
proc_stop "$pid"
sim_start "$NET"
must "fresh fabric: ports back to LID 0" test "$(port_lid h0 0 1)" = 0
t0=$(now_ms)
sm_start h0 1
if check "restart: every pair routed within 30 s" wait_until 30 lft h0 -v -L; then
	note "restart: routed after $(($(now_ms) - t0)) ms"
fi
routed "after restart"
is "after restart: every port has its former LID" "$(lid_dump)" "$LIDS0"
spot_checks "after restart"

done_testing
