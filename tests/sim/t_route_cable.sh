#!/usr/bin/env bash
# sim.route_cable: routes stay put when cables go and come back, on a
# fat-tree (4 leaves x 20 hosts, 2 spines: 86 LIDs, two LFT blocks per
# switch) and on an irregular fabric (a ring
# of 7 switches with 2 random chords, 2 hosts each: every min-hop routing of
# it has a credit loop). smd runs on h0; every LFT entry of every switch is
# read by SMP (lftcheck -D) before and after each event, and lftcheck -S
# judges the tables with traffic from every switch in the channel
# dependency graph (as smd's own engine is built to):
#  1. a host's cable pulled: only that host's entries change, and one LFT
#     block per switch is written (smd's log says how many);
#  2. a switch-to-switch cable pulled: every pair still routed, the CDG
#     acyclic, and every entry that changed belongs to a route that crossed
#     that cable (lftcheck -X lists them before the pull);
#  3. the cable put back: every pair routed, acyclic, and every entry that
#     changed belongs to a route that now takes the cable;
#  4. the log says, for each re-route, why and how much changed.
# shellcheck disable=SC2317
# shellcheck source=tests/sim/lib.sh
. "$(dirname "$0")/lib.sh"
smd_only
need_lftcheck

dump() { grep '^lft ' "$WORK/lftcheck.out" | sort; }
uses() { grep '^uses ' "$WORK/lftcheck.out" | awk '{ print $2, $3 }' | sort; }
# keys LINES: "guid lid" of "lft guid lid port" lines
keys() { awk '{ print $2, $3 }' | sort -u; }
lids_of() { awk '{ print $3 }' | sort -un; }
routed_more() { [ "$(log_count "$SMD_LOG" 'routing: ')" -gt "$1" ]; }
# settled N: a re-route since N "routing:" lines, and the tables check out
settled() { routed_more "$1" && lft h0 -S -D; }

# run_fabric NAME HOST SWITCH SWITCH_DR PORT: the events on the fabric in
# $NET; HOST is the host whose cable is pulled, the cable of step 2 is port
# PORT of the switch named SWITCH, at directed route SWITCH_DR from h0.
run_fabric() {
	local name=$1 host=$2 sw=$3 dr=$4 port=$5 guid lid d0 d1 d2 d3 d4 r u0 u3 changed stray
	sim_start "$NET"
	smd_conf h0 "sweep_interval = 2" >/dev/null
	smd_start h0 -p 1
	must "$name: every pair routed, CDG acyclic with switch traffic" \
		wait_until 30 lft h0 -v -S -D
	d0=$(dump)
	note "$name: $(grep -c . <<<"$d0") LFT entries read"

	lid=$(port_lid "$host" 0 1)
	r=$(log_count "$SMD_LOG" 'routing: ')
	sim_console "Unlink \"$host\"[1]"
	must "$name: 1. $host's cable pulled: re-routed" wait_until 30 settled "$r"
	d1=$(dump)
	is "$name: 1. no entry of another LID changed" \
		"$(comm -13 <(echo "$d0") <(echo "$d1") | grep -c .)" 0
	is "$name: 1. the entries gone are $host's" \
		"$(comm -23 <(echo "$d0") <(echo "$d1") | lids_of | tr '\n' ' ')" "$lid "
	local line sws blocks
	line=$(grep "routing: node $host .*gone: " "$SMD_LOG" | tail -n 1)
	sws=$(sed -n 's/.* entries on \([0-9]*\) switches re-routed.*/\1/p' <<<"$line")
	blocks=$(sed -n 's/.*re-routed, \([0-9]*\) LFT blocks written.*/\1/p' <<<"$line")
	check "$name: 1. the log counts the switches ($sws)" [ -n "$sws" ]
	is "$name: 1. LFT blocks written: one per switch re-routed" "$blocks" "$sws"
	sim_console "ReLink \"$host\"[1]"
	must "$name: $host Active again" wait_until 30 port_is "$host" 0 1 Active
	must "$name: $host routed again" wait_until 30 lft h0 -S -D
	d2=$(dump)
	is "$name: $host's return moves nobody else" \
		"$(comm -13 <(echo "$d1") <(echo "$d2") | lids_of | tr '\n' ' ')" "$lid "

	guid=$(node_field h0 "$dr" Guid)
	[ -n "$guid" ] || fail "$name: no switch at DR $dr"
	must "$name: the routes over $guid/$port listed" lft h0 -S -D -X "$guid/$port"
	u0=$(uses)
	note "$name: $(grep -c . <<<"$u0") routes cross $guid/$port"
	r=$(log_count "$SMD_LOG" 'routing: ')
	sim_console "Unlink \"$sw\"[$port]"
	must "$name: 2. cable pulled: re-routed, every pair routed, acyclic" \
		wait_until 30 settled "$r"
	d3=$(dump)
	changed=$(comm -13 <(echo "$d2") <(echo "$d3") | keys)
	stray=$(comm -23 <(echo "$changed") <(echo "$u0"))
	check "$name: 2. entries changed ($(grep -c . <<<"$changed"))" [ -n "$changed" ]
	is "$name: 2. entries changed of routes that did not cross the cable" \
		"$(grep -c . <<<"$stray")" 0
	[ -z "$stray" ] || note "not crossing: $(head -n 5 <<<"$stray" | tr '\n' ';')"
	check "$name: 2. the log names the cable" \
		log_has "$SMD_LOG" "routing: .*cable .* down.* entries on .* switches"
	check "$name: 2. answered without rediscovering the fabric (quick)" \
		log_has "$SMD_LOG" "quick: 2 port\\(s\\) lost their cable"

	r=$(log_count "$SMD_LOG" 'routing: ')
	sim_console "ReLink \"$sw\"[$port]"
	must "$name: 3. cable back: re-routed, every pair routed, acyclic" \
		wait_until 30 settled "$r"
	d4=$(dump)
	must "$name: the routes over $guid/$port listed again" lft h0 -S -D -X "$guid/$port"
	u3=$(uses)
	changed=$(comm -13 <(echo "$d3") <(echo "$d4") | keys)
	stray=$(comm -23 <(echo "$changed") <(echo "$u3"))
	is "$name: 3. entries changed of routes that do not take the cable" \
		"$(grep -c . <<<"$stray")" 0
	note "$name: $(grep -c . <<<"$changed") entries moved onto the cable"
	check "$name: 4. smctl status names the last re-route" \
		eval 'smctl h0 status | grep -q "last re-route"'
	note "smd: $(grep 'routing: ' "$SMD_LOG" | tail -n 3 | sed 's/.*routing: //' | tr '\n' '|')"
	smd_stop "$SMD_PID"
	sim_stop
}

# fat-tree: leaf i port 20+1+s goes to spine s; from h0: leaf0 = 0,1,
# spine0 = 0,1,21, leaf2 = 0,1,21,3. The cable leaf2 - spine1 (leaf2 port
# 22); h45 is on leaf2.
gen_net fattree gen-fattree.sh 4 20 2 36
run_fabric fat-tree h45 leaf2 0,1,21,3 22

# ring: sw<i> port 2+1 to the next switch; from h0 (on sw0) sw1 = 0,1,3.
# The cable sw1 - sw2 (sw1 port 3).
gen_net ring gen-ring.sh 7 2 5 2 8
run_fabric ring h3 sw1 0,1,3 3

done_testing
