#!/usr/bin/env bash
# sim.trap_storm: no node can keep the master sweeping or flood its log. A
# fat-tree (4 leaves x 4 hosts, 2 spines), smd on h0 (sweep_interval 30, so
# only traps would make it sweep); from h5, paced (a burst of thousands at
# once deadlocks ibsim's own transport):
#  1. 300 traps 128 at 50/s (only switches send 128; this made 1,490 sweeps
#     in 30 s): no sweep at all, one log line per 10 s;
#  2. 300 traps 144 at 50/s (a capability change, from one port): at most
#     3 sweeps a 10 s window, one "ignoring" line a window;
#  2b. 50 traps 144 from h6 with its own CapabilityMask and no change flag,
#     50 "SM priority changed" from h7, which is no SM: no sweep at all, one
#     line each;
#  3. 20 SMInfo Sets (DISABLE, SM_Key 0) by directed route: all refused,
#     one log line for them all, smd still MASTER;
#  4. the fabric still works: a switch's own trap 128 (a cable pulled) is
#     acted on at once and the tables follow.
# shellcheck source=tests/sim/lib.sh
. "$(dirname "$0")/lib.sh"
smd_only
need_lftcheck

gen_net fattree gen-fattree.sh 4 4 2 36
sim_start "$NET"
smd_conf h0 "sweep_interval = 30" >/dev/null
smd_start h0
must "subnet up" wait_until 60 log_has "$SMD_LOG" "IPoIB broadcast group ready"
sleep 1
TRAPSEND=$(dirname "$SMD_BIN")/trapsend
[ -x "$TRAPSEND" ] || fail "no trapsend at $TRAPSEND (build it: cmake --build build)"
preload_for "$TRAPSEND"
tsend() { timeout -k 2 60 env LD_PRELOAD="$PRELOAD" SIM_HOST="$1" "$TRAPSEND" "${@:2}"; }
sweeps() { log_count "$SMD_LOG" 'sweep.*: [0-9]+ SMPs'; }

note "1. traps 128 from a host"
s0=$(sweeps)
must "300 traps 128 sent from h5" tsend h5 300 50 128
sleep 1
is "no sweep for them" "$(sweeps)" "$s0"
n=$(log_count "$SMD_LOG" 'ignoring trap 128 from LID')
check "one log line per 10 s ($n for ~6 s)" [ "$n" -ge 1 ] && [ "$n" -le 2 ]

note "2. traps 144 from a host"
s0=$(sweeps)
must "300 traps 144 sent from h5" tsend h5 300 50 144
sleep 2
d=$(( $(sweeps) - s0 ))
check "at most 3 sweeps a 10 s window ($d in ~6 s)" [ "$d" -le 6 ]
n=$(log_count "$SMD_LOG" 'ignoring traps 144 from LID')
check "the rest ignored, one line a window ($n)" [ "$n" -ge 1 ] && [ "$n" -le 2 ]

note "2b. traps 144 that change nothing"
t144() { (export TRAPSEND_FLAGS=$1 TRAPSEND_SAME_CAPS=$2; tsend "${@:3}"); }
s0=$(sweeps)
must "50 traps 144 from h6 with its own CapabilityMask, no change flag" t144 0 1 h6 50 50 144
must "50 traps 144 'SM priority changed' from h7, no SM" t144 0x0008 0 h7 50 50 144
sleep 2
is "no sweep for them (before: 3 a window each)" "$(sweeps)" "$s0"
is "one line each" "$(log_count "$SMD_LOG" 'trap 144 from LID [0-9]+ ignored')" 2

note "3. SMInfo Sets with SM_Key 0"
before=$(wc -l <"$SMD_LOG")
g=$(port_guid h5)
ok3=0
for i in $(seq 1 20); do smiset h5 0,1,5,1,1 3 "$g" 0x0 15 3 && ok3=$((ok3 + 1)); done
is "20 Sets answered" "$ok3" 20
is "refused" "$SMISET_STATUS" 0x001c
n=$(tail -n +"$((before + 1))" "$SMD_LOG" | grep -c 'refusing SMInfo Set')
is "one log line for them" "$n" 1
check "smd still MASTER" sm_state_is h0 MASTER -D 0

note "4. a switch's own trap is still acted on"
r=$(log_count "$SMD_LOG" 'routing: cable')
sim_console 'Unlink "leaf2"[6]'
check "the cable's loss re-routed at once" wait_until 10 eval '[ "$(log_count "$SMD_LOG" "routing: cable")" -gt "$r" ]'
check "every pair routed" wait_until 20 lft h0 -S

done_testing
