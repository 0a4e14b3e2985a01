#!/usr/bin/env bash
# sim.trap_held: a switch's traps 128 beyond the rate limit (3 in 10 s) are
# held back, not lost: the next light sweep looks at that switch once. A
# fat-tree (2 leaves x 2 hosts, 1 spine), smd on h0 with sweep_interval 3;
# h3's cable (behind leaf1) pulled and put back 5 times within a second
# (ibsim: a trap 128 from leaf1 each time, 10 in all), ending plugged in:
#  - "holding back traps 128 from leaf1" logged once (before: "ignoring",
#    and the changes those traps were about were left to whatever sweep
#    came next: a quick sweep of an earlier trap could clear the switch's
#    PortStateChange after they happened, and nothing looked again);
#  - the light sweep's look: "traps 128 held back from 1 switch(es)";
#  - h3 Active again, with its LID, and every pair routed.
# shellcheck source=tests/sim/lib.sh
. "$(dirname "$0")/lib.sh"
smd_only
need_lftcheck

gen_net fattree gen-fattree.sh 2 2 1 8
sim_start "$NET"
smd_conf h0 "sweep_interval = 3" >/dev/null
smd_start h0
must "subnet up" wait_until 60 log_has "$SMD_LOG" "IPoIB broadcast group ready"
lid3=$(port_lid h3 0 1)
sleep 1
for i in 1 2 3 4 5; do
	sim_console 'Unlink "h3"[1]'
	sleep 0.05
	sim_console 'ReLink "h3"[1]'
	sleep 0.1
done
must "leaf1's extra traps held back" wait_until 10 log_has "$SMD_LOG" \
	"holding back traps 128 from leaf1"
is "said once" "$(log_count "$SMD_LOG" "holding back traps 128 from")" 1
must "the light sweep looks at leaf1" wait_until 15 log_has "$SMD_LOG" \
	"traps 128 held back from 1 switch"
must "h3 Active again" wait_until 20 port_is h3 0 1 Active
is "h3 keeps its LID" "$(port_lid h3 0 1)" "$lid3"
check "every pair routed" lft h0
check "smd alive" proc_alive "$SMD_PID"
done_testing
