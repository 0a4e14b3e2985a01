#!/usr/bin/env bash
# sim.route_stable: routes stay put. A fat-tree (4 leaves x 4 hosts, 2
# spines) routed by smd on h0; every LFT entry of every switch is read by SMP
# (lftcheck -D) before and after each event:
#  1. a host's cable pulled (h5): only that host's entries change (they go),
#     every other LID keeps its port at every switch;
#  2. the cable put back: h5 gets its LID and routes, nobody else moves;
#  3. smctl rebalance: every pair still routed, the log says so.
# shellcheck disable=SC2317
# shellcheck source=tests/sim/lib.sh
. "$(dirname "$0")/lib.sh"
smd_only
need_lftcheck

gen_net fattree gen-fattree.sh 4 4 2 36
sim_start "$NET"
smd_conf h0 "sweep_interval = 2" >/dev/null
smd_start h0 -p 1
must "every pair routed" wait_until 30 lft h0 -v -D
dump() { grep '^lft ' "$WORK/lftcheck.out" | sort; }
D0=$(dump)
note "$(grep -c . <<<"$D0") LFT entries read"
lid5=$(port_lid h5 0 1)
note "h5 has LID $lid5"
# routed_more N: more than N "routing:" lines in smd's log (a re-route since)
routed_more() { [ "$(log_count "$SMD_LOG" 'routing: ')" -gt "$1" ]; }
# lids_of LINES: the LIDs that LINES ("lft guid lid port") name, one per line
lids_of() { awk '{ print $3 }' | sort -un; }

note "1. h5's cable pulled"
r0=$(log_count "$SMD_LOG" 'routing: ')
sim_console 'Unlink "h5"[1]'
must "smd re-routes" wait_until 30 routed_more "$r0"
# the remaining hosts routed (lftcheck walks the ports it finds)
must "every pair routed without h5" wait_until 30 lft h0 -v -D
D1=$(dump)
added=$(comm -13 <(echo "$D0") <(echo "$D1"))
gone=$(comm -23 <(echo "$D0") <(echo "$D1"))
is "no entry of another LID changed or appeared" "$(grep -c . <<<"$added")" 0
is "the entries gone are h5's only" "$(lids_of <<<"$gone" | tr '\n' ' ')" "$lid5 "
note "smd: $(grep 'routing: ' "$SMD_LOG" | tail -n 1 | sed 's/.*routing: //')"

note "2. the cable put back"
r1=$(log_count "$SMD_LOG" 'routing: ')
sim_console 'ReLink "h5"[1]'
must "h5 Active again" wait_until 30 port_is h5 0 1 Active
is "h5 keeps its LID" "$(port_lid h5 0 1)" "$lid5"
must "every pair routed with h5" wait_until 30 lft h0 -v -D
D2=$(dump)
moved=$(comm -13 <(echo "$D1") <(echo "$D2") | lids_of | tr '\n' ' ')
is "only h5's entries are new" "$moved" "$lid5 "
check "smd re-routed once or more" routed_more "$r1"

note "3. smctl rebalance"
must "smctl rebalance" smctl h0 rebalance
check "the log says it rebalanced" wait_until 10 log_has "$SMD_LOG" 'routing: .*\(rebalanced\)'
check "every pair routed after it" wait_until 30 lft h0 -v -D

done_testing
