#!/usr/bin/env bash
# sim.reload: SIGHUP re-reads smd.conf. A bad file is refused with file:line
# in the log and the running configuration stays (sminfo keeps reporting the
# old priority, the daemon keeps running); a good file takes effect
# (sminfo reports the new priority) without a fabric sweep. A -p override
# survives reloads.
. "$(dirname "$0")/lib.sh"
smd_only

sim_start "$SIM_FABRICS/pair.net"
conf=$(smd_conf node1 "priority = 3")
smd_start node1
pid=$SMD_PID
must "MASTER with priority 3" wait_until 30 eval 'sm_state_is node1 MASTER -D 0 && [ "$SMI_PRIO" = 3 ]'

# A bad file: line 3 holds an out-of-range priority.
printf '[sm]\nstate_dir = %s\npriority = 16\n' "$WORK/state-node1" >"$conf"
kill -HUP "$pid"
must "the refusal names file, line and key" \
	wait_until 10 log_has "$SMD_LOG" "$(basename "$conf"):3: key 'priority'"
check "still running" proc_alive "$pid"
sminfo_of node1 -D 0
is "priority unchanged after the bad reload" "$SMI_PRIO" 3

smd_conf node1 "priority = 7" >/dev/null
sweeps=$(log_count "$SMD_LOG" discovered)
kill -HUP "$pid"
check "priority 7 after a good reload" \
	wait_until 10 eval 'sminfo_of node1 -D 0 && [ "$SMI_PRIO" = 7 ]'
is "still MASTER" "$SMI_NAME" SMINFO_MASTER
is "no fabric sweep for it" "$(log_count "$SMD_LOG" discovered)" "$sweeps"
smd_stop "$pid"
is "clean exit on SIGTERM" "$?" 0

# -p wins over the file, also across SIGHUP.
smd_start node1 -p 12
pid=$SMD_PID
must "priority 12 from -p" wait_until 30 eval 'sminfo_of node1 -D 0 && [ "$SMI_PRIO" = 12 ]'
kill -HUP "$pid"
must "reload logged" wait_until 10 log_has "$SMD_LOG" "configuration reloaded"
sminfo_of node1 -D 0
is "-p still wins after SIGHUP" "$SMI_PRIO" 12

done_testing
