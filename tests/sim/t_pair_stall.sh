#!/usr/bin/env bash
# sim.pair_stall: a master that is slow is not a master that is gone.
# node2 (priority 9) MASTER, node1 (priority 3) STANDBY, smd on both:
#  1. node2's smd stopped (SIGSTOP) for 3 s, then resumed: its port still
#     answers, so node1 waits (master_timeout, default 10 s): no takeover,
#     one MASTER throughout;
#  2. with master_timeout = 2 (SIGHUP), node2 stopped for 4 s: node1 takes
#     over after about 2 s, not sooner; when node2 resumes, still MASTER
#     and better ranked, the two masters resolve to one (node2) at once;
#  3. node2's smd killed (SIGKILL): node1 takes over at once (error replies,
#     not silence), well before master_timeout.
# shellcheck source=tests/sim/lib.sh
. "$(dirname "$0")/lib.sh"
smd_only

sim_start "$SIM_FABRICS/pair.net"
conf1=$(smd_conf node1)
smd_start node1 -p 3
pid1=$SMD_PID
log1=$SMD_LOG
must "node1 MASTER alone" wait_until 30 sm_state_is node1 MASTER -D 0
smd_start node2 -p 9
pid2=$SMD_PID
must "node2 MASTER, node1 STANDBY" wait_until 30 elected node2 node1
must "ports Active" wait_until 30 all_active node1:1 node2:1
# masters: "entering MASTER" lines in node1's log
masters() { log_count "$log1" "entering MASTER"; }

note "1. node2 stopped for 3 s"
m0=$(masters)
kill -STOP "$pid2"
check "node1 stays STANDBY while node2 is stopped" holds 3 sm_state_is node1 STANDBY -D 0
kill -CONT "$pid2"
check "node1 saw a slow master, not a gone one" log_has "$log1" "master SM .* is slow"
check "node2 answers node1 again" wait_until 5 log_has "$log1" "master SM answers again after"
is "node1 never entered MASTER" "$(masters)" "$m0"
check "node2 MASTER, node1 STANDBY after the stop" holds 2 elected node2 node1

note "2. master_timeout = 2, node2 stopped for 4 s"
sed -i '/^\[sm\]$/a master_timeout = 2' "$conf1"
kill -HUP "$pid1"
must "node1 reloaded" wait_until 5 log_has "$log1" "configuration reloaded"
t0=$(now_ms)
kill -STOP "$pid2"
must "node1 takes over" wait_until 10 sm_state_is node1 MASTER -D 0
took=$(($(now_ms) - t0))
note "takeover after ${took} ms"
check "not before master_timeout (${took} ms >= 1800)" test "$took" -ge 1800
check "node1 says why" log_has "$log1" "has not answered for 2 s; taking over"
sleep $(((4000 - $(now_ms) + t0) / 1000)) 2>/dev/null
t1=$(now_ms)
kill -CONT "$pid2"
must "one master again: node2 MASTER, node1 STANDBY" wait_until 10 elected node2 node1
back=$(($(now_ms) - t1))
note "two masters resolved ${back} ms after node2 resumed"
check "resolved within 3 s (${back} ms)" test "$back" -lt 3000
check "node1 handed back to the former master" log_has "$log1" "former master SM .* is back"
check "stable afterwards" holds 2 elected node2 node1

note "3. node2 killed"
t0=$(now_ms)
proc_stop "$pid2" KILL
must "node1 takes over" wait_until 10 sm_state_is node1 MASTER -D 0
took=$(($(now_ms) - t0))
note "takeover after ${took} ms"
check "well before master_timeout (${took} ms < 1500)" test "$took" -lt 1500
check "node1: the master is gone" log_has "$log1" "master SM .* is gone; taking over"
check "ports Active" wait_until 30 all_active node1:1 node2:1
check "node1 still running" proc_alive "$pid1"

done_testing
