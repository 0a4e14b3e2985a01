#!/usr/bin/env bash
# sim.journal: smd run as systemd runs it, its stderr the journal
# (JOURNAL_STREAM), sends the journal every line natively, with its
# priority, and the events an operator alerts on with SMD_EVENT and their
# fields (journalctl -u smd SMD_EVENT=takeover). The journal is
# libjournalcap (tests/tools/journalcap.c: sd_journal_sendv into a file;
# no journald runs here). On the pair: state changes and subnet_up at
# bring-up; takeover when the master is killed; port_failed and
# subnet_down for a silent port, port_fixed and subnet_up once it answers;
# handover and handover_received when the better SM comes back. Then
# --once: a stderr that is not the journal keeps plain lines (-f does not
# force the journal), and a journal that refuses the line gets it on stderr.
# shellcheck source=tests/sim/lib.sh
. "$(dirname "$0")/lib.sh"
need_smd

# hexguid GUID: as smd writes GUIDs in fields (0x and 16 digits).
hexguid() { printf '0x%016x' "$(($1))"; }

sim_start "$SIM_FABRICS/pair.net"
G1=$(hexguid "$(port_guid node1)")
G2=$(hexguid "$(port_guid node2)")
N1=$(hexguid "$(node_field node1 0 Guid)")
smd_conf node1 "priority = 3" >/dev/null
smd_conf node2 "priority = 9" >/dev/null
export SMD_JOURNAL=1

smd_start node2
PID2=$SMD_PID J2=$SMD_JOURNAL_FILE L2=$SMD_LOG
must "node2 MASTER" wait_until 30 sm_state_is node2 MASTER -D 0
smd_start node1
PID1=$SMD_PID J1=$SMD_JOURNAL_FILE L1=$SMD_LOG
must "node2 MASTER, node1 STANDBY" wait_until 30 elected node2 node1

check "node2: state MASTER in the journal, with its priority and name" \
	wait_until 10 jentry "$J2" SMD_EVENT=state SMD_STATE=MASTER SMD_STATE_FROM=DISCOVERING \
	"SMD_CAUSE=no better SM found" PRIORITY=5 SYSLOG_IDENTIFIER=smd \
	"MESSAGE=entering MASTER (no better SM found, was DISCOVERING)"
check "node2: subnet_up, 2 nodes, 0 switches, 2 ports Active" \
	wait_until 10 jentry "$J2" SMD_EVENT=subnet_up SMD_NODES=2 SMD_SWITCHES=0 \
	SMD_PORTS_ACTIVE=2 PRIORITY=5 "MESSAGE~^subnet up: 2 nodes \(0 switches\), 2 ports Active in"
check "node1: state STANDBY" \
	wait_until 10 jentry "$J1" SMD_EVENT=state SMD_STATE=STANDBY SMD_STATE_FROM=DISCOVERING
check "a plain line (node1's 'running on', notice) has no SMD_EVENT" \
	jentry "$J1" "MESSAGE~^running on .* priority 3$" PRIORITY=5 SYSLOG_IDENTIFIER=smd '!SMD_EVENT'
check "... and not every entry passes that (jentry's '!')" \
	eval '! jentry "$J1" "MESSAGE~^entering STANDBY" "!SMD_EVENT"'
check "debug lines carry PRIORITY=7" jentry "$J1" PRIORITY=7
is "node1: nothing on stderr (all went to the journal)" "$(wc -c <"$L1")" 0
is "node2: nothing on stderr" "$(wc -c <"$L2")" 0

note "SIGKILL node2's smd: node1 takes over"
proc_stop "$PID2" KILL
must "node1 MASTER" wait_until 30 sm_state_is node1 MASTER -D 0
check "node1: takeover from node2 ($G2), gone" \
	wait_until 10 jentry "$J1" SMD_EVENT=takeover "SMD_PEER_GUID=$G2" SMD_REASON=gone \
	"MESSAGE=master SM $G2 is gone; taking over"
check "node1: state MASTER" \
	wait_until 10 jentry "$J1" SMD_EVENT=state SMD_STATE=MASTER

note "node2's port stops answering (ibsim Error 100); a sweep on node1"
sim_console 'Error "node2"[1] 100'
smctl node1 sweep >/dev/null
check "node1: port_failed, its port 1 ($N1), the node behind it silent" \
	wait_until 20 jentry "$J1" SMD_EVENT=port_failed "SMD_NODE_GUID=$N1" SMD_PORT=1 \
	SMD_TROUBLE=silent "SMD_REASON=the node behind it does not answer" \
	"SMD_NODE_DESC=node1 HCA-1" PRIORITY=4
check "node1: subnet_down" \
	wait_until 20 jentry "$J1" SMD_EVENT=subnet_down PRIORITY=4 SMD_PORTS_TROUBLE=1 \
	"MESSAGE~^subnet not fully up"
sim_console 'Error "node2"[1] 0'
smctl node1 sweep >/dev/null
check "node1: port_fixed, the same port" \
	wait_until 30 jentry "$J1" SMD_EVENT=port_fixed "SMD_NODE_GUID=$N1" SMD_PORT=1 \
	SMD_TROUBLE=silent PRIORITY=5
check "node1: subnet_up again" \
	wait_until 30 jentry "$J1" SMD_EVENT=subnet_up SMD_NODES=2 SMD_PORTS_ACTIVE=2

note "node2's smd again (priority 9): node1 hands over"
smd_start node2
PID2=$SMD_PID J2=$SMD_JOURNAL_FILE
must "node2 MASTER, node1 STANDBY" wait_until 30 elected node2 node1
check "node1: handover to node2 ($G2)" \
	wait_until 10 jentry "$J1" SMD_EVENT=handover "SMD_PEER_GUID=$G2" PRIORITY=5
check "node2: handover_received from node1 ($G1)" \
	wait_until 10 jentry "$J2" SMD_EVENT=handover_received "SMD_PEER_GUID=$G1"
check "node2: state MASTER, handover received" \
	wait_until 10 jentry "$J2" SMD_EVENT=state SMD_STATE=MASTER "SMD_CAUSE=handover received"
for p in "$PID1" "$PID2"; do
	smd_stop "$p"
	is "smd (pid $p) exits 0 at SIGTERM" "$?" 0
done

# --once NAME JOURNAL_STREAM JOURNALCAP_FILE: smd -f --once on node1 with
# libjournalcap preloaded, the environment given ("self": the log's own
# stream); log $WORK/NAME.log.
once() {
	local log=$WORK/$1.log js=$2 jf=$3
	local pre=${SMD_PRELOAD/"$UMAD2SIM"/"$(dirname "$SMD_BIN")/libjournalcap.so:$UMAD2SIM"}
	: >"$log"
	[ "$js" != self ] || js=$(stat -c '%d:%i' "$log")
	timeout -k 5 "$SMD_ONCE_TIMEOUT" env LD_PRELOAD="$pre" SIM_HOST=node1 JOURNAL_STREAM="$js" \
		JOURNALCAP_FILE="$jf" "$SMD_BIN" -f --once -c "$WORK/smd-node1.conf" >"$log" 2>&1
}
once once-tty "1:1" "$WORK/once.journal"
is "--once, stderr not the journal's stream: exit status" "$?" 0
check "... plain lines on stderr" log_has "$WORK/once-tty.log" 'smd\[[0-9]+\]: entering MASTER \(--once\)'
check "... nothing sent to the journal" test ! -e "$WORK/once.journal"
once once-refused self ""
is "--once, the journal refusing every line: exit status" "$?" 0
check "... the lines on stderr instead" log_has "$WORK/once-refused.log" 'smd\[[0-9]+\]: entering MASTER \(--once\)'
once once-journal self "$WORK/once.journal"
is "--once, stderr the journal: exit status" "$?" 0
check "... state MASTER, cause --once" jentry "$WORK/once.journal" SMD_EVENT=state SMD_STATE=MASTER SMD_CAUSE=--once
done_testing
