#!/usr/bin/env bash
# sim.kill_bringup: the master SIGKILLed in the middle of bringing up the
# 702-node fat-tree (36 leaves x 18 hosts, 18 spines; FAT=LxHxS for another)
# from scratch, a standby finishes the job with the LIDs the dead master gave.
# The master (h0, priority 10) runs over kumad with every response held
# 10-30 ms (KUMAD_DELAY_MS), so its bring-up lasts seconds, not a blink;
# the standby (the last host, priority 5) starts once the master is MASTER.
# Twice, on a fresh fabric each: when the master has sent about half of its
# activations (every LID given, half the links Active), and when it has sent
# about half of its PortInfo Sets (some ports with a LID, some without), it
# is frozen (SIGSTOP), every port's LID read (iblinkinfo), then SIGKILLed.
# The standby must take over at once (the dead master's polls get errors)
# and finish: every link Active, no LID twice, every LID the
# dead master had given unchanged, the standby MASTER.
# shellcheck source=tests/sim/lib.sh
. "$(dirname "$0")/lib.sh"
smd_only

IFS=x read -r L H S <<<"${FAT:-36x18x18}"
gen_net fattree gen-fattree.sh "$L" "$H" "$S" 36
last=h$((L * H - 1))

# guid lid, one line per LID owner, from an iblinkinfo -l listing
owners() {
	awk '/==\(/ { i = index($0, "==("); left = substr($0, 1, i - 1)
		split(left, a, " "); q = left; sub(/.*"/, "", q)
		split(q, b, /[ \t\[]+/); lid = (b[1] == "" ? b[2] : b[1]) + 0
		if (!(a[1] in seen)) { seen[a[1]] = 1; print a[1], lid } }' "$1" | sort
}

# kill_at NAME REGEX COUNT: a bring-up from scratch, the master killed once
# its log has COUNT lines matching REGEX
kill_at() {
	local name=$1 re=$2 count=$3 pm ps mlog slog dt moved
	note "$name"
	sim_start "$NET"
	export SM_STATE_DIR=$WORK/state-$name
	smd_conf h0 "sweep_interval = 2" >/dev/null
	KUMAD_DELAY_MS=10:30 SMD_UMAD=kumad smd_start h0 -p 10
	pm=$SMD_PID
	mlog=$SMD_LOG
	must "h0 becomes MASTER" wait_until 60 log_has "$mlog" "entering MASTER"
	export SM_STATE_DIR=$WORK/state-$name-standby
	smd_conf "$last" "sweep_interval = 2" >/dev/null
	unset SM_STATE_DIR
	smd_start "$last" -p 5
	ps=$SMD_PID
	slog=$SMD_LOG
	must "$name: the master half way" wait_until 120 eval '[ "$(log_count "$mlog" "$re")" -ge "$count" ]'
	kill -STOP "$pm"
	note "master frozen after $(log_count "$mlog" "$re") lines matching '$re'"
	fabric_scan "$last"
	cp "$WORK/iblinkinfo.txt" "$WORK/before-$name.txt"
	note "before the kill: $FAB_ACTIVE of $NET_LINKS links Active"
	check "$name: caught in the middle: some links not Active yet" test "$FAB_ACTIVE" -lt "$NET_LINKS"
	owners "$WORK/before-$name.txt" | awk '$2 > 0' >"$WORK/lids-before"
	note "LIDs the master had given: $(wc -l <"$WORK/lids-before") of $((L * H + L + S))"
	check "$name: the standby is STANDBY" log_has "$slog" "entering STANDBY"
	local t0
	t0=$(now_ms)
	proc_stop "$pm" KILL
	is "$name: master killed" "$?" 137

	must "$name: the standby takes over" wait_until 30 log_has "$slog" "entering MASTER"
	dt=$(($(now_ms) - t0))
	note "takeover after $dt ms"
	# frozen, the master looked slow; dead, its SMInfo polls get errors
	# while its port still answers: gone, not waited out for 10 s
	check "$name: taken over as gone, not after the slow limit ($dt ms)" test "$dt" -lt 5000
	check "$name: no log line per poll meanwhile" \
		test "$(log_count "$slog" 'missed a poll')" -le 6
	must "$name: every link Active" wait_until 60 fabric_all_active h0 "$NET_LINKS"
	note "all Active $(($(now_ms) - t0)) ms after the kill"
	is "$name: no LID twice" "$FAB_LIDDUP" ""
	is "$name: no LID 0" "$FAB_LID0" ""
	owners "$WORK/iblinkinfo.txt" >"$WORK/lids-after"
	moved=$(join "$WORK/lids-before" "$WORK/lids-after" | awk '$2 != $3' | head -5)
	is "$name: every LID the dead master gave unchanged" "$moved" ""
	is "$name: every node numbered" "$(wc -l <"$WORK/lids-after")" $((L * H + L + S))
	check "$name: the standby is MASTER" sm_state_is "$last" MASTER -D 0
	check "$name: the new master alive" proc_alive "$ps"
	smd_stop "$ps"
}

# activations and PortInfo Sets are logged per port: two a link
kill_at mid-activation "activating " "$NET_LINKS"
kill_at mid-configuration "configuring " $(((L * H + L + S) / 2))

done_testing
