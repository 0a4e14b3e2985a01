#!/usr/bin/env bash
# sim.drift_lft: a forwarding entry changed behind smd's back (any node can
# Set a switch's LFT where M_Key is not used) is repaired by a forced sweep,
# which reads every block back before it trusts its memory of what it wrote
# and writes only the block that differs. (At first blocks were compared
# only with that memory, so even `smctl sweep` left the redirected entry;
# then every block was written again blindly.) A fat-tree (4 leaves x 4
# hosts, 2 spines), smd on h0, the rolling audit off (audit_budget = 0:
# sim.drift_audit tests it), so only the forced sweep can repair:
#  1. smpset, from h1, points leaf0's entry for h14's LID at h1's port:
#     lftcheck finds the route broken;
#  2. smctl sweep: every block read (6 LFT, 18 MFT), 1 differed and was written again,
#     nothing else written; lftcheck finds every pair routed, and the
#     routes are the ones smd had (no route moved).
# shellcheck source=tests/sim/lib.sh
. "$(dirname "$0")/lib.sh"
smd_only
need_lftcheck

gen_net fattree gen-fattree.sh 4 4 2 36
sim_start "$NET"
smd_conf h0 "sweep_interval = 30" "audit_budget = 0" >/dev/null
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
written=$(log_count "$SMD_LOG" "LFT blocks written")
must "smctl sweep" smctl h0 sweep
check "every pair routed again" wait_until 20 lft h0 -S -D
check "the log says 24 blocks read, 1 written again" \
	log_has "$SMD_LOG" "forced sweep: 24 forwarding table blocks \(unicast and multicast\) read back, 1 differed"
check "leaf0's block named with h14" log_has "$SMD_LOG" \
	"switch leaf0 .* forwards 1 LID otherwise than smd wrote: LID $lid \(host h14 .* to port 2"
is "the heavy sweep after it writes no block" "$(log_count "$SMD_LOG" "LFT blocks written")" \
	"$written"
d1=$(grep '^lft ' "$WORK/lftcheck.out" | sort)
is "no route moved" "$(comm -3 <(echo "$d0") <(echo "$d1") | grep -c .)" 0

done_testing
