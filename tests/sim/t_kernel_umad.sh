#!/usr/bin/env bash
# sim.kernel_umad: smd keeps the kernel's umad rules, run over the kernel-like
# double (tests/tools/kumad.c, SMD_UMAD=kumad) that enforces them where
# libumad2sim does not.
#  1. issm is exclusive: a second smd on node1 exits 1 saying another SM
#     holds the port; the first keeps running.
#  2. signals stay off the receive threads: SIGHUPs in a row never end a
#     umad_recv with EIO (libibumad's EINTR), smd keeps answering.
#  3. TrapRepress: trap 144 goes out without a kernel timeout (mlx5 swallows
#     the TrapRepress), the handover it asks for happens.
#  4. EIO: node1's device goes away; smd exits 1 within 3 s with one clear
#     line.
#  5. ENOSPC: an oversized (RMPP) MAD at the head of node2's queue is read
#     with the length the kernel asks for and dropped; smd keeps answering
#     and does not spin.
#  6. kernel timeouts: sends the kernel returns with status 110 after their
#     timeout count as timeouts in smd's closing totals.
. "$(dirname "$0")/lib.sh"
smd_only

sim_start "$SIM_FABRICS/pair.net"
export SMD_UMAD=kumad

# cpu_ticks PID: user + system time of a process, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# spins PID: the process used more than half a CPU over one second.
spins() {
	local a b
	a=$(cpu_ticks "$1") && sleep 1 && b=$(cpu_ticks "$1") || return 1
	note "pid $1: $((b - a)) ticks in 1 s (of $(getconf CLK_TCK))"
	[ $((b - a)) -gt $(($(getconf CLK_TCK) / 2)) ]
}
not_spinning() { ! spins "$1"; }

smd_conf node1 "priority = 5" >/dev/null
KUMAD_GONE=$WORK/gone-node1 KUMAD_EINTR=1 smd_start node1
pid1=$SMD_PID
log1=$SMD_LOG
must "node1 MASTER over kumad" wait_until 30 sm_state_is node1 MASTER -D 0
must "ports Active" wait_until 30 all_active node1:1 node2:1

note "1. a second SM on node1's port"
smd_start node1
pid1b=$SMD_PID
log1b=$SMD_LOG
t0=$SECONDS
for ((i = 0; i < 100; i++)); do kill -0 "$pid1b" 2>/dev/null || break; sleep 0.1; done
proc_wait "$pid1b"
rc=$?
is "second smd exits 1" "$rc" 1
note "it exited after $((SECONDS - t0)) s"
check "it says another SM holds the port" log_has "$log1b" "another SM holds port"
check "it does not blame the agents" sh -c "! grep -q 'cannot register' '$log1b'"
check "the first smd still runs and answers" wait_until 5 sm_state_is node1 MASTER -D 0

note "2. SIGHUP after SIGHUP"
for ((i = 0; i < 10; i++)); do kill -HUP "$pid1"; sleep 0.2; done
check "no signal reached a receive thread" sh -c "! grep -q 'hit a receiving thread' '$log1'"
check "no receive error" sh -c "! grep -q 'receiving MADs failed' '$log1'"
check "smd answers after the signals" wait_until 5 sm_state_is node1 MASTER -D 0

note "3. trap 144 with every TrapRepress swallowed"
smd_conf node2 "priority = 1" >/dev/null
KUMAD_BIG=$WORK/big-node2 smd_start node2
pid2=$SMD_PID
log2=$SMD_LOG
must "node1 MASTER, node2 STANDBY" wait_until 30 elected node1 node2
smd_conf node2 "priority = 12" >/dev/null
kill -HUP "$pid2"
check "node2 MASTER, node1 STANDBY after its trap 144" wait_until 15 elected node2 node1
check "node2 sent trap 144" log_has "$log2" "announcing it with trap 144"
check "the trap went out without a kernel timeout" log_has "$log2" "kumad: trap sent with timeout 0 ms"
check "no trap waited for a TrapRepress" sh -c "! grep -Eq 'kumad: trap sent with timeout [1-9]|no TrapRepress' '$log2'"

note "4. node1's device goes away"
t0=$(now_ms)
touch "$WORK/gone-node1"
for ((i = 0; i < 30; i++)); do kill -0 "$pid1" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$pid1" 2>/dev/null; then
	not_ok "smd exits within 3 s of losing its device"
	proc_stop "$pid1"
else
	ok "smd exits within 3 s of losing its device ($(($(now_ms) - t0)) ms)"
	proc_wait "$pid1"
	is "exit status" "$?" 1
fi
is "one clear line" "$(log_count "$log1" "umad device gone \(EIO\): exiting so the service manager restarts smd")" 1
note "5. an oversized MAD at the head of the queue"
touch "$WORK/big-node2"
check "kumad queued it" wait_until 5 log_has "$log2" "kumad: [0-9]+-byte MAD queued"
check "smd read it with a big enough buffer" wait_until 5 log_has "$log2" "kumad: [0-9]+-byte MAD delivered"
check "smd dropped it as oversized" wait_until 5 log_has "$log2" "dropping malformed MAD: larger than one MAD"
check "smd still answers SMInfo" wait_until 5 sm_state_is node2 MASTER -D 0
check "smd does not spin" not_spinning "$pid2"
check "still running" proc_alive "$pid2"

smd_stop "$pid2"

note "6. responses the kernel never gets: sends time out"
# Every NodeDescription answer dropped and no resends: each such request
# ends with the kernel's ETIMEDOUT.
smd_conf node1 "priority = 5" "[mad]" "retries = 0" >/dev/null
KUMAD_DROP=0x0010 smd_start node1
pid3=$SMD_PID
log3=$SMD_LOG
must "node1 MASTER" wait_until 30 sm_state_is node1 MASTER -D 0
check "the kernel returned sends as timed out" wait_until 10 log_has "$log3" "kumad: send TID 0x[0-9a-f]+ timed out"
smd_stop "$pid3"
is "smd exits 0" "$?" 0
tot=$(grep -Eo "[0-9]+ timed out" "$log3" | tail -n 1)
note "closing totals: $(grep 'MADs:' "$log3" | tail -n 1)"
check "smd counted them as timeouts ($tot)" test "${tot%% *}" -gt 0

done_testing
