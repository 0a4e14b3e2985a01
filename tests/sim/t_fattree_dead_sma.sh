#!/usr/bin/env bash
# sim.fattree_dead_sma: a fabric is never perfect. On a fat-tree (4 leaves
# x 4 hosts, 2 spines) host h3's SMA answers nothing (ibsim console
# `Error "h3"[1] 100`). smd as master on h0 must still:
#  - create the IPoIB broadcast group and serve joins and PathRecords of the
#    healthy hosts within a few seconds of starting;
#  - name the silent port once in its log, and in smctl status;
#  - not heavy-sweep every interval (back-off; light sweeps only ask h3);
#  - bring h3 up once its SMA answers again, and say it is fixed.
# shellcheck source=tests/sim/lib.sh
. "$(dirname "$0")/lib.sh"
smd_only

gen_net fattree gen-fattree.sh 4 4 2 36
sim_start "$NET"
sim_console 'Error "h3"[1] 100'
smd_conf h0 "sweep_interval = 1" >/dev/null
t0=$(now_ms)
smd_start h0
must "IPoIB broadcast group ready despite h3" wait_until 15 log_has "$SMD_LOG" "IPoIB broadcast group ready"
note "broadcast group after $(($(now_ms) - t0)) ms"
for h in h1 h6 h14; do
	must "$h joins the broadcast group" sac "$h" bcast-join
	is "$h: join status" "$(sac_f status)" 0x0000
	is "$h: MLID" "$(sac_f mlid)" 0xc000
done
must "path h1 -> h14 answered" sac h1 path "$(port_gid6 h14)"
is "path: status" "$(sac_f status)" 0x0000
is "path: DLID" "$(sac_f dlid)" "$(port_lid h14 0 1)"
check "h14 Active" port_is h14 0 1 Active

# routed: heavy sweeps so far (each routes once)
routed() { log_count "$SMD_LOG" 'routing: '; }
r0=$(routed)
sleep 8
r1=$(routed)
note "heavy sweeps in 8 s with sweep_interval = 1: $((r1 - r0))"
check "back-off: at most 4 heavy sweeps in 8 s ($((r1 - r0)))" test $((r1 - r0)) -le 4
is "the silent port is named once" "$(log_count "$SMD_LOG" 'does not answer; serving the rest')" 1
check "smctl status names it" eval 'smctl h0 status | grep -q "trouble .*does not answer"'
check "smctl status --json lists it" eval 'smctl h0 status --json | grep -q "\"kind\":\"silent\""'

sim_console 'Error "h3"[1] 0'
must "h3 comes up once it answers" wait_until 15 port_is h3 0 1 Active
check "smd says it is fixed" wait_until 5 log_has "$SMD_LOG" "fixed \(was: the node behind it does not answer\)"
check "h3 joins the broadcast group" sac h3 bcast-join
is "h3: join status" "$(sac_f status)" 0x0000
check "smctl status: no trouble left" eval '! smctl h0 status | grep -q "^trouble"'

done_testing
