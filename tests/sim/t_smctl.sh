#!/usr/bin/env bash
# sim.smctl: operating smd on the pair. node1 (priority 9) MASTER, node2
# (priority 3) STANDBY, both started with NOTIFY_SOCKET pointing at a
# stand-in for systemd (notifyrecv):
#  - READY=1 arrives once the election settled, with STATUS= naming the
#    state; SIGHUP sends RELOADING=1 then READY=1, SIGTERM STOPPING=1;
#  - `smctl status --json` on each node agrees with sminfo and smpquery
#    (state, priority, GUID, LID, master, peers, nodes, Active ports);
#    the text form, `lids`, `groups` and `sweep` work;
#  - errors are one line and a non-zero exit: no daemon, an unknown
#    command, a socket that is not ours (run as another user).
# shellcheck source=tests/sim/lib.sh
. "$(dirname "$0")/lib.sh"
smd_only

bin=$(dirname "$SMD_BIN")
SMCTL=$bin/smctl
NOTIFYRECV=$bin/notifyrecv
[ -x "$SMCTL" ] && [ -x "$NOTIFYRECV" ] || fail "no smctl or notifyrecv next to $SMD_BIN"

sim_start "$SIM_FABRICS/pair.net"
smd_conf node1 "priority = 9" >/dev/null
smd_conf node2 "priority = 3" >/dev/null

# notify_start NODE: a notification socket for NODE's smd; its messages
# land in $WORK/notify-NODE.txt.
declare -A NPID
notify_start() {
	"$NOTIFYRECV" "$WORK/notify-$1.sock" 60000 >"$WORK/notify-$1.txt" 2>&1 &
	NPID[$1]=$!
	wait_until 5 test -S "$WORK/notify-$1.sock" || fail "notifyrecv did not start"
}
notified() { grep -qx -- "$2" "$WORK/notify-$1.txt"; }

notify_start node1
NOTIFY_SOCKET=$WORK/notify-node1.sock smd_start node1
pid1=$SMD_PID
log1=$SMD_LOG
must "node1: READY=1" wait_until 30 notified node1 READY=1
check "node1: STATUS= names MASTER" grep -q "^STATUS=MASTER" "$WORK/notify-node1.txt"
notify_start node2
NOTIFY_SOCKET=$WORK/notify-node2.sock smd_start node2
pid2=$SMD_PID
must "node2: READY=1" wait_until 30 notified node2 READY=1
check "node2: STATUS= names STANDBY" grep -q "^STATUS=STANDBY" "$WORK/notify-node2.txt"
must "node1 MASTER, node2 STANDBY" wait_until 30 elected node1 node2
must "ports Active" wait_until 30 all_active node1:1 node2:1
check "node1 sees node2 as a peer" wait_until 15 eval 'smctl node1 status | grep -q "STANDBY"'

# jf JSON KEY: a top-level scalar of a flat JSON object (strings unquoted).
jf() { grep -o "\"$2\":\"\{0,1\}[^\",}]*" <<<"$1" | head -n 1 | sed 's/.*://; s/"//g'; }

lid1=$(port_lid node1 0 1)
lid2=$(port_lid node2 0 1)
g1=$(port_guid node1)
g2=$(port_guid node2)
J1=$(smctl node1 status --json)
is "smctl exit status" "$?" 0
note "$J1"
sminfo_of node1 -D 0
is "node1: state as sminfo says" "$(jf "$J1" state)" MASTER
is "node1: priority as sminfo says" "$(jf "$J1" priority)" "$SMI_PRIO"
check "node1: guid as smpquery says" guid_eq "$(jf "$J1" guid)" "$g1"
is "node1: lid as smpquery says" "$(jf "$J1" lid)" "$lid1"
check "node1: master_guid is itself" guid_eq "$(jf "$J1" master_guid)" "$g1"
is "node1: master_lid" "$(jf "$J1" master_lid)" "$lid1"
is "node1: nodes" "$(jf "$J1" nodes)" 2
is "node1: switches" "$(jf "$J1" switches)" 0
is "node1: ports_active" "$(jf "$J1" ports_active)" 2
check "node1: peers lists node2 as STANDBY with priority 3" \
	grep -q "\"peers\":\[{\"guid\":\"0x$(printf '%016x' "$((g2))")\",\"priority\":3,\"state\":\"STANDBY\"" <<<"$J1"
J2=$(smctl node2 status --json)
note "$J2"
is "node2: state" "$(jf "$J2" state)" STANDBY
is "node2: priority" "$(jf "$J2" priority)" 3
check "node2: master_guid is node1's" guid_eq "$(jf "$J2" master_guid)" "$g1"
is "node2: master_lid is node1's LID (smpquery)" "$(jf "$J2" master_lid)" "$lid1"
is "node2: lid" "$(jf "$J2" lid)" "$lid2"
check "node2: peers lists node1 as MASTER with priority 9" \
	grep -q "\"peers\":\[{\"guid\":\"0x$(printf '%016x' "$((g1))")\",\"priority\":9,\"state\":\"MASTER\"" <<<"$J2"

T=$(smctl node1 status)
check "text status: state line" grep -q "^state  *MASTER, subnet up" <<<"$T"
L=$(smctl node1 lids)
check "lids: node1's GUID with its LID" grep -q "^0x$(printf '%016x' "$((g1))") *$lid1 " <<<"$L"
check "lids: node2's GUID with its LID" grep -q "^0x$(printf '%016x' "$((g2))") *$lid2 " <<<"$L"
G=$(smctl node1 groups)
check "groups: the IPoIB broadcast group" grep -q "^ff12:401b:ffff:0000:0000:0000:ffff:ffff  MLID 0xc000" <<<"$G"
check "groups --json" eval 'smctl node1 groups --json | grep -q "\"mlid\":\"0xc000\""'
sweeps=$(log_count "$log1" discovered)
check "sweep answered" eval 'smctl node1 sweep | grep -q "sweep started"'
check "rebalance on the master answered" eval 'smctl node1 rebalance | grep -q "rebalancing"'
smctl node2 rebalance >/dev/null 2>"$WORK/err"
is "rebalance on the standby: exit 1" "$?" 1
check "... saying only the master routes" grep -q "only the master routes" "$WORK/err"
check "sweep: smd sweeps" wait_until 10 eval '[ "$(log_count "$log1" discovered)" -gt "$sweeps" ]'

note "reload and stop, as systemd sees them"
kill -HUP "$pid2"
check "node2: RELOADING=1 then READY=1" \
	wait_until 10 eval 'grep -A5 -x RELOADING=1 "$WORK/notify-node2.txt" | grep -qx READY=1'
proc_stop "$pid2"
check "node2: STOPPING=1" wait_until 10 notified node2 STOPPING=1

note "errors"
"$SMCTL" --socket "$WORK/none.sock" status 2>"$WORK/err"
is "no daemon: exit status" "$?" 1
is "no daemon: one line" "$(wc -l <"$WORK/err")" 1
smctl node1 frobnicate 2>"$WORK/err"
is "unknown command: exit status" "$?" 2
check "the socket is mode 0600" eval '[ "$(stat -c %a "$WORK/smd-node1.sock")" = 600 ]'
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	chmod 755 "$WORK"
	# (without the suppression files, which that user may not be able to read)
	env -u ASAN_OPTIONS -u LSAN_OPTIONS setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$SMCTL" --socket "$WORK/smd-node1.sock" status 2>"$WORK/err"
	is "another user: exit status" "$?" 1
	check "another user: permission denied, one line" grep -q "permission denied" "$WORK/err"
else
	note "not root: the permission check is skipped"
fi
proc_stop "$pid1"
check "node1: STOPPING=1" wait_until 10 notified node1 STOPPING=1
for n in node1 node2; do kill "${NPID[$n]}" 2>/dev/null; wait "${NPID[$n]}" 2>/dev/null; done

done_testing
