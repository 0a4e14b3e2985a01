#!/usr/bin/env bash
# sim.journald: the events' fields reach a real journal, and
# `journalctl SMD_EVENT=takeover` finds them. A systemd-journald of the
# test's own runs in a mount namespace whose /run is $WORK/run (its sockets,
# its volatile journal, its configuration drop-in there: no kernel log read
# or written, nothing forwarded, no audit control); smd runs in such a
# namespace too, its stdout and stderr a stream of that journal named by
# JOURNAL_STREAM, as systemd starts it from its unit (systemd-cat makes the
# stream). On the pair: state and subnet_up entries at bring-up, with their
# fields, priority and message, sent natively (_TRANSPORT=journal); the
# master killed: takeover. Needs root (a mount namespace): skipped without.
# shellcheck source=tests/sim/lib.sh
. "$(dirname "$0")/lib.sh"
need_smd

journald=""
for j in /usr/lib/systemd/systemd-journald /lib/systemd/systemd-journald; do
	[ -x "$j" ] && { journald=$j; break; }
done
[ -n "$journald" ] || fail "systemd-journald not found: run scripts/deps.sh (systemd)"
command -v systemd-cat >/dev/null || fail "systemd-cat not found: run scripts/deps.sh (systemd)"
if ! unshare -m true 2>/dev/null; then
	ok "# SKIP no mount namespace here (unshare -m: not root?): sim.journal covers the fields"
	done_testing
fi

RUN=$WORK/run
mkdir -p "$RUN/systemd/journald.conf.d"
cat >"$RUN/systemd/journald.conf.d/smd-test.conf" <<'EOF'
[Journal]
Storage=volatile
ReadKMsg=no
ForwardToSyslog=no
ForwardToKMsg=no
ForwardToConsole=no
ForwardToWall=no
RateLimitBurst=0
EOF
# in-ns.sh RUN PRELOAD CMD...: CMD with RUN as /run (run by unshare -m),
# stdout and stderr a stream of the journal there, JOURNAL_STREAM naming it
# (device:inode, as systemd sets it), LD_PRELOAD for CMD only.
cat >"$WORK/in-ns.sh" <<'EOF'
mount --bind "$1" /run || exit 1
pre=$2
shift 2
exec systemd-cat -t smd sh -c \
	'JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2) LD_PRELOAD=$0 exec "$@"' "$pre" "$@"
EOF

# journald: its own messages to its stderr (not the kernel log), without the
# capability to switch kernel auditing on or off.
_bg_start "$WORK/journald.log" "" "" unshare -m sh -c \
	'mount --bind "$0" /run && SYSTEMD_LOG_TARGET=console exec setpriv \
	--bounding-set=-audit_control "$1"' "$RUN" "$journald"
JPID=$BG_PID
must "journald listening ($RUN/systemd/journal/socket)" \
	wait_until 10 test -S "$RUN/systemd/journal/socket" -a -S "$RUN/systemd/journal/stdout"

# journal SPEC...: an entry of the journal with every SPEC (see jentry);
# the match on SMD_EVENT is journalctl's own.
journal() {
	local ev=${1#SMD_EVENT=}
	journalctl -D "$RUN/log/journal" --no-pager -o export "SMD_EVENT=$ev" >"$WORK/q.export" 2>&1 &&
		jentry "$WORK/q.export" "$@"
}
# start NODE: smd -f on NODE inside the journal's namespace.
start() {
	local conf=$WORK/smd-$1.conf
	note "start: SIM_HOST=$1 smd -f -c $(basename "$conf"), stderr a journal stream"
	_bg_start "$WORK/smd-$1.log" "$1" "" unshare -m sh "$WORK/in-ns.sh" "$RUN" "$SMD_PRELOAD" \
		"$SMD_BIN" -f -c "$conf"
	SMD_PID=$BG_PID
}

sim_start "$SIM_FABRICS/pair.net"
G2=$(printf '0x%016x' "$(($(port_guid node2)))")
smd_conf node1 "priority = 3" >/dev/null
smd_conf node2 "priority = 9" >/dev/null
start node2
PID2=$SMD_PID
must "node2 MASTER" wait_until 30 sm_state_is node2 MASTER -D 0
start node1
PID1=$SMD_PID
must "node2 MASTER, node1 STANDBY" wait_until 30 elected node2 node1

check "journalctl SMD_EVENT=state: node2's MASTER, sent natively, priority notice" \
	wait_until 10 journal SMD_EVENT=state SMD_STATE=MASTER SMD_STATE_FROM=DISCOVERING \
	"_PID=$PID2" _TRANSPORT=journal PRIORITY=5 SYSLOG_IDENTIFIER=smd \
	"MESSAGE=entering MASTER (no better SM found, was DISCOVERING)"
check "journalctl SMD_EVENT=state: node1's STANDBY" \
	wait_until 10 journal SMD_EVENT=state SMD_STATE=STANDBY "_PID=$PID1"
check "journalctl SMD_EVENT=subnet_up: 2 nodes, 2 ports Active" \
	wait_until 10 journal SMD_EVENT=subnet_up SMD_NODES=2 SMD_SWITCHES=0 SMD_PORTS_ACTIVE=2 \
	"_PID=$PID2" "MESSAGE~^subnet up: 2 nodes"
proc_stop "$PID2" KILL
must "node1 MASTER after node2's smd is killed" wait_until 30 sm_state_is node1 MASTER -D 0
check "journalctl SMD_EVENT=takeover: node1 from node2 ($G2), gone" \
	wait_until 10 journal SMD_EVENT=takeover "SMD_PEER_GUID=$G2" SMD_REASON=gone "_PID=$PID1" \
	PRIORITY=5
# (grep reads it all: with -q, journalctl's SIGPIPE would fail the pipe)
streamed=$(journalctl -D "$RUN/log/journal" --no-pager -o export _TRANSPORT=stdout | grep -c '^MESSAGE=.')
is "no line of smd came through the stream (stdout) instead" "$streamed" 0
smd_stop "$PID1"
is "smd exits 0 at SIGTERM" "$?" 0
proc_stop "$JPID"
done_testing
