#!/usr/bin/env bash
# sim.drift_audit: what another node changes behind smd's back (any node can
# Set PortInfo or an LFT where M_Key is not used) is found by the rolling
# audit of the light sweeps and repaired without anyone asking. A fat-tree
# (4 leaves x 4 hosts, 2 spines), smd on h0, light sweeps every 2 s, the
# audit reading 12 SMPs a light sweep (the whole fabric: 16 host ports, 6
# switch ports 0, 6 LFT blocks and 18 MFT blocks, 46 reads, in 4 light
# sweeps). h1 meddles:
#  1. h3's SM LID pointed at h1: back to smd's within 20 s, one log line
#     naming h3;
#  2. h3's LID made h5's: h3 gets its own back, h5 keeps its, the log names
#     both;
#  3. leaf0's entry for h14 pointed at h1's port: the audit writes the block
#     again, every pair routed, no route moved; leaf0's ports for the
#     broadcast group's MLID changed: written again, ibroute -M reads what
#     it read before;
#  4. leaf0's port facing h3 disabled (`ibportstate disable`): h3 stops
#     answering, the audit reads leaf0's port, finds it Disabled and enables
#     it (Polling); one log line naming h3 as cut off;
#  5. with the rolling audit off (SIGHUP, audit_budget = 0) leaf0's port
#     facing h2 disabled and a heavy sweep (smctl sweep) that loses h2: the
#     lost link is watched and enabled again all the same.
# Before this, none of these was repaired by the light sweeps (1 and 2 only
# by smctl sweep; 3 and 4 not at all). ibsim does not train a link: a port
# set to Polling stays there, where hardware would come up; the test plays
# the hardware's part (Unlink, ReLink) once smpquery shows Polling, then
# checks the host Active again.
# shellcheck source=tests/sim/lib.sh
. "$(dirname "$0")/lib.sh"
smd_only
need_lftcheck

gen_net fattree gen-fattree.sh 4 4 2 36
sim_start "$NET"
conf=$(smd_conf h0 "sweep_interval = 2" "audit_budget = 12")
smd_start h0
must "every pair routed" wait_until 60 lft h0 -S -D
d0=$(grep '^lft ' "$WORK/lftcheck.out" | sort)
must "the audit covered the fabric once" wait_until 30 log_has "$SMD_LOG" \
	"audit: the whole fabric read back"
round=$(grep -m1 -oE "read back: [0-9]+ reads over [0-9]+ light sweeps?" "$SMD_LOG")
note "first round: $round"
is "46 reads in a round (every port and block once)" "$(awk '{print $3}' <<<"$round")" 46
check "in 4 light sweeps (a 5th if one fell while a sweep ran)" \
	test "$(awk '{print $6}' <<<"$round")" -le 5
tool=$(dirname "$SMD_BIN")/smpset
preload_for "$tool"
# meddle HOST DRPATH ATTR MOD OFF=BYTE...: smpset from HOST.
meddle() {
	local host=$1; shift
	timeout -k 2 20 env LD_PRELOAD="$PRELOAD" SIM_HOST="$host" "$tool" "$@"
}
# field_is DRPATH PORT FIELD VALUE: a PortInfo field as read from h0 now.
field_is() { [ "$(port_field h0 "$1" "$2" "$3")" = "$4" ]; }
sm_lid=$(port_lid h0 0 1)
h1_lid=$(port_lid h0 0,1,2 1)
h3_lid=$(port_lid h0 0,1,4 1)
h5_lid=$(port_lid h0 0,1,5,2,2 1)
note "smd LID $sm_lid, h1 $h1_lid, h3 $h3_lid, h5 $h5_lid"

note "1. h3's SM LID pointed at h1 (LID $h1_lid)"
# PortInfo bytes 18-19: MasterSMLID. ibsim applies it, then refuses the
# echoed PortState (0x001c): the change stays.
meddle h1 0,1,4 0x15 1 18=$((h1_lid >> 8)) 19=$((h1_lid & 255)) >/dev/null
is "h3's SM LID changed" "$(port_field h0 0,1,4 1 SMLid)" "$h1_lid"
t0=$SECONDS
check "h3's SM LID back to smd's within 20 s" \
	wait_until 20 field_is 0,1,4 1 SMLid "$sm_lid"
note "repaired after $((SECONDS - t0)) s"
check "the log names h3 and the SM LID" log_has "$SMD_LOG" \
	"audit: host h3 HCA-1 port 1 .*LID $h3_lid\) changed behind our back: SM LID $h1_lid instead of $sm_lid"
is "one line for it" "$(log_count "$SMD_LOG" "SM LID $h1_lid instead of")" 1

note "2. h3's LID made h5's ($h5_lid)"
meddle h1 0,1,4 0x15 1 16=$((h5_lid >> 8)) 17=$((h5_lid & 255)) >/dev/null
is "h3's LID changed" "$(port_lid h0 0,1,4 1)" "$h5_lid"
t0=$SECONDS
check "h3's own LID back within 20 s" wait_until 20 field_is 0,1,4 1 Lid "$h3_lid"
note "repaired after $((SECONDS - t0)) s"
is "h5 keeps its LID" "$(port_lid h0 0,1,5,2,2 1)" "$h5_lid"
check "the log names both" log_has "$SMD_LOG" \
	"audit: host h3 HCA-1 port 1 .*: LID $h5_lid instead of $h3_lid \(the LID of host h5 HCA-1 port 1"
check "h3 Active" port_is h0 0,1,4 1 Active

note "3. leaf0's entry for h14 pointed at port 2 (h1)"
lid=$(port_lid h0 0,1,5,4,3 1)
out=$(meddle h1 0,1 0x19 $((lid / 64)) $((lid % 64))=2)
is "the Set answered" "$out" "status 0x0000"
check "the audit found it and wrote the block again" wait_until 20 log_has "$SMD_LOG" \
	"audit: switch leaf0 .* forwards 1 LID otherwise than smd wrote: LID $lid \(host h14 HCA-1 port 1.* to port 2 instead of [0-9]+; block $((lid / 64)) written again"
check "every pair routed again" wait_until 20 lft h0 -S -D
d1=$(grep '^lft ' "$WORK/lftcheck.out" | sort)
is "no route moved" "$(comm -3 <(echo "$d0") <(echo "$d1") | grep -c .)" 0
# ibroute_m: leaf0's multicast table as ibroute prints it.
ibroute_m() { diag h0 ibroute -M -D 0,1 2>&1; }
m0=$(ibroute_m)
note "leaf0's multicast table: $(echo "$m0" | grep -c '^0x') MLIDs"
# MFT block 0, ports 0-15: bytes 0-1 are MLID 0xc000's mask
out=$(meddle h1 0,1 0x1b 0 0=0x7f 1=0xfe)
is "the MFT Set answered" "$out" "status 0x0000"
check "the audit found it and wrote the block again" wait_until 20 log_has "$SMD_LOG" \
	"audit: switch leaf0 .* forwards 1 multicast LID otherwise than smd wrote: MLID 0xc000 to ports 0x7ffe instead of 0x[0-9a-f]{4} \(ports 0-15\); block 0 written again"
is "leaf0's multicast table as before" "$(ibroute_m)" "$m0"

note "4. leaf0's port 4 (h3) disabled by h1"
diag h1 ibportstate -D 0,1 4 disable >/dev/null 2>&1
is "leaf0 port 4 Disabled" "$(port_phys h0 0,1 4)" Disabled
check "smd enabled it again within 20 s (Polling)" \
	wait_until 20 field_is 0,1 4 PhysLinkState Polling
check "one line naming h3 cut off" wait_until 5 log_has "$SMD_LOG" \
	"audit: port 4 of switch leaf0 .* was disabled behind our back: host h3 HCA-1 port 1 .*LID $h3_lid\) cut off; re-enabled"
sim_console 'Unlink "leaf0"[4]'
sim_console 'ReLink "leaf0"[4]'
check "h3 Active again" wait_until 30 port_is h0 0,1,4 1 Active
check "every pair routed" wait_until 20 lft h0 -S
is "said once" "$(log_count "$SMD_LOG" "disabled behind our back: host h3")" 1

note "5. the rolling audit off; leaf0's port 3 (h2) disabled, then smctl sweep"
sed -i 's/^audit_budget = .*/audit_budget = 0/' "$conf"
kill -HUP "$SMD_PID"
sleep 1
h2_lid=$(port_lid h0 0,1,3 1)
diag h1 ibportstate -D 0,1 3 disable >/dev/null 2>&1
is "leaf0 port 3 Disabled" "$(port_phys h0 0,1 3)" Disabled
must "smctl sweep" smctl h0 sweep
check "the lost link enabled again within 20 s (Polling)" \
	wait_until 20 field_is 0,1 3 PhysLinkState Polling
check "one line naming h2 cut off" wait_until 5 log_has "$SMD_LOG" \
	"port 3 of switch leaf0 .* was disabled behind our back: host h2 HCA-1 port 1 .*LID $h2_lid\) cut off; re-enabled"
sim_console 'Unlink "leaf0"[3]'
sim_console 'ReLink "leaf0"[3]'
check "h2 Active again" wait_until 30 port_is h0 0,1,3 1 Active
is "said once" "$(log_count "$SMD_LOG" "disabled behind our back: host h2")" 1

done_testing
