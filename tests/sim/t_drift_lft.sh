#!/usr/bin/env bash
# sim.drift_lft: a forwarding entry changed behind smd's back (any node can
# Set a switch's LFT where M_Key is not used) is repaired by a forced sweep.
# (Before, blocks were compared only with smd's memory of what it wrote, so
# even `smctl sweep` left the redirected entry as it was.) A fat-tree (4
# leaves x 4 hosts, 2 spines), smd on h0:
#  1. smpset, from h1, points leaf0's entry for h14's LID at h1's port:
#     lftcheck finds the route broken;
#  2. smctl sweep: every block written again, lftcheck finds every pair
#     routed, and the routes are the ones smd had (no route moved).
# Not built yet: finding such a change without being asked (a rolling
# audit of the tables by the light sweeps).
# shellcheck source=tests/sim/lib.sh
. "$(dirname "$0")/lib.sh"
smd_only
need_lftcheck

gen_net fattree gen-fattree.sh 4 4 2 36
sim_start "$NET"
smd_conf h0 "sweep_interval = 30" >/dev/null
smd_start h0
must "every pair routed" wait_until 60 lft h0 -S -D
d0=$(grep '^lft ' "$WORK/lftcheck.out" | sort)
lid=$(port_lid h14 0 1)
tool=$(dirname "$SMD_BIN")/smpset
preload_for "$tool"
note "1. leaf0's entry for LID $lid (h14) pointed at port 2 (h1)"
out=$(timeout -k 2 20 env LD_PRELOAD="$PRELOAD" SIM_HOST=h1 "$tool" 0,1 0x19 $((lid / 64)) \
	$((lid % 64))=2)
is "the Set answered" "$out" "status 0x0000"
lft h0 -S
is "lftcheck finds the route broken" "$?" 1

note "2. smctl sweep"
must "smctl sweep" smctl h0 sweep
check "every pair routed again" wait_until 20 lft h0 -S -D
check "the log says every block was written again" \
	log_has "$SMD_LOG" "routing: .*forced: every block written again.*LFT blocks written"
d1=$(grep '^lft ' "$WORK/lftcheck.out" | sort)
is "no route moved" "$(comm -3 <(echo "$d0") <(echo "$d1") | grep -c .)" 0

done_testing
