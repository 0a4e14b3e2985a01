# tests/sim/lib.sh -- shared harness of the ibsim-driven tests.
#
# Sourced by every tests/sim/t_<name>.sh. Each test gets its own work
# directory (every client runs from it: libumad2sim writes ./sys-<pid>/ into
# the cwd), its own ibsim socket name (tests run in parallel) and an EXIT trap
# that stops, by PID, everything the test started. On failure the work
# directory is kept and the logs are printed.
#
# Environment: SMD_BIN (the smd binary), SMD_SRC (source tree). Both default
# to this checkout (build/smd) so a test can also be run by hand:
#   SMD_BIN=build/smd bash tests/sim/t_pair_up.sh
#
# Verdicts come only from infiniband-diags (smpquery, sminfo, iblinkinfo),
# never from smd's own logs, except where a test checks a log line on purpose.
#
# SIM_SM=opensm runs the fabric tests with OpenSM in smd's place (sm_start,
# sm_once): a check of the harness itself; smd-only checks are skipped.

# Globals set here are read by the tests; single quotes in sh -c are meant.
# shellcheck disable=SC2034,SC2016

set -u -o pipefail

SIM_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SIM_FABRICS=$SIM_LIB_DIR/fabrics
SMD_SRC=${SMD_SRC:-$(cd "$SIM_LIB_DIR/../.." && pwd)}
SMD_BIN=${SMD_BIN:-$SMD_SRC/build/smd}
SIM_TEST=$(basename "$0" .sh)
SIM_TEST=${SIM_TEST#t_}

# Longest life of any smd/opensm started in the background and of ibsim: a
# safety net for a test shell killed before its EXIT trap can run (CTest's
# TIMEOUT is 300 s).
SMD_MAX_LIFE=${SMD_MAX_LIFE:-280}
SIM_MAX_LIFE=${SIM_MAX_LIFE:-290}
# Bound for a foreground smd --once run.
SMD_ONCE_TIMEOUT=${SMD_ONCE_TIMEOUT:-60}
# Bound for one diag command.
DIAG_TIMEOUT=${DIAG_TIMEOUT:-10}

# --- the preload library ----------------------------------------------------

find_umad2sim() {
	local p
	p=$(dpkg -L libumad2sim0 2>/dev/null | grep '/libumad2sim\.so$' | head -n 1)
	if [ -z "$p" ] || [ ! -f "$p" ]; then
		p=/usr/lib/x86_64-linux-gnu/umad2sim/libumad2sim.so
	fi
	echo "$p"
}
UMAD2SIM=$(find_umad2sim)

# --- tap-like report ----------------------------------------------------------

_T_N=0
_T_FAILED=0

note() { echo "# $*"; }
ok() { _T_N=$((_T_N + 1)); echo "ok $_T_N - $*"; }
not_ok() { _T_N=$((_T_N + 1)); echo "not ok $_T_N - $*"; _T_FAILED=1; }

# fail MSG: record a failure and end the test (the EXIT trap cleans up).
fail() { not_ok "$*"; exit 1; }

# check DESC CMD...: run CMD, report ok/not ok, return its status.
check() {
	local desc=$1; shift
	if "$@"; then ok "$desc"; return 0; fi
	not_ok "$desc"
	return 1
}

# must DESC CMD...: like check, but a failure ends the test.
must() {
	local desc=$1; shift
	if "$@"; then ok "$desc"; return 0; fi
	fail "$desc"
}

# is DESC GOT WANT: equality check with both values in the report.
is() {
	if [ "$2" = "$3" ]; then ok "$1 ($2)"; return 0; fi
	not_ok "$1: got '$2', want '$3'"
	return 1
}

# done_testing: print the plan and exit with the verdict.
done_testing() {
	echo "1..$_T_N"
	exit "$_T_FAILED"
}

# --- work directory and cleanup ---------------------------------------------

# A test that needs no fabric sets SIM_NO_FABRIC=1 before sourcing this file.
for _tool in timeout $( [ -n "${SIM_NO_FABRIC:-}" ] || echo ibsim smpquery sminfo iblinkinfo); do
	if ! command -v "$_tool" >/dev/null 2>&1; then
		echo "not ok 1 - '$_tool' not found: run scripts/deps.sh" >&2
		exit 1
	fi
done
if [ -z "${SIM_NO_FABRIC:-}" ] && [ ! -f "$UMAD2SIM" ]; then
	echo "not ok 1 - libumad2sim.so not found: run scripts/deps.sh" >&2
	exit 1
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/smdt-$SIM_TEST.XXXXXX") || exit 1
cd "$WORK" || exit 1

_SIM_GEN=0            # how many ibsim instances this test started
_SIM_PID=""           # running ibsim
_SIM_HOLD_PID=""      # the `sleep infinity` keeping its console fifo open
_SIM_CTL=""           # its console fifo
declare -A _WRAP      # pid of smd/opensm -> our child (subshell around its timeout)
declare -A _PGID      # pid of smd/opensm -> process group of its timeout

# _kill_wait PID SECONDS: TERM, wait up to SECONDS, then KILL.
_kill_wait() {
	local pid=$1 secs=$2 i
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < secs * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
}

_cleanup() {
	local rc=$? p i alive
	trap - EXIT INT TERM
	set +e
	if { [ "$rc" -ne 0 ] || [ "$_T_FAILED" -ne 0 ]; } && [ -n "$_SIM_PID" ] &&
		kill -0 "$_SIM_PID" 2>/dev/null; then
		echo "# fabric at failure (iblinkinfo -l by directed route, first 40 ports):"
		_diag_env "" 10 iblinkinfo -l 2>/dev/null | head -n 40 | sed "s/^/#   /"
	fi
	# TERM every client still running, give them 5 s together, then KILL the
	# wrapper's whole process group (timeout without --foreground has its own).
	for p in "${!_WRAP[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for ((i = 0; i < 50; i++)); do
		alive=0
		for p in "${!_WRAP[@]}"; do kill -0 "${_WRAP[$p]}" 2>/dev/null && alive=1; done
		[ "$alive" -eq 1 ] || break
		sleep 0.1
	done
	for p in "${!_WRAP[@]}"; do
		kill -KILL "$p" 2>/dev/null
		# only while our subshell lives is its timeout (the group leader) alive
		kill -0 "${_WRAP[$p]}" 2>/dev/null && kill -KILL -- "-${_PGID[$p]}" 2>/dev/null
		wait "${_WRAP[$p]}" 2>/dev/null
	done
	sim_stop
	wait 2>/dev/null
	if [ "$rc" -ne 0 ] || [ "$_T_FAILED" -ne 0 ]; then
		[ "$rc" -ne 0 ] || rc=1
		echo "# FAILED (exit status $rc, failed checks: $_T_FAILED): work directory kept: $WORK"
		for p in "$WORK"/*.log; do
			[ -f "$p" ] || continue
			echo "# ---- $(basename "$p") (last ${SIM_LOG_TAIL:-60} lines) ----"
			tail -n "${SIM_LOG_TAIL:-60}" "$p" | sed 's/^/#   /'
		done
	elif [ -n "${SIM_KEEP:-}" ]; then
		echo "# SIM_KEEP: work directory kept: $WORK"
	else
		cd / && rm -rf "$WORK"
	fi
	exit "$rc"
}
trap _cleanup EXIT
trap 'note "interrupted (SIGINT)"; exit 130' INT
trap 'note "interrupted (SIGTERM)"; exit 143' TERM

# --- the simulator ------------------------------------------------------------

# gen_net NAME GENERATOR ARGS...: write $WORK/NAME.net with
# "$SIM_LIB_DIR/GENERATOR ARGS" (gen-fattree.sh, gen-ring.sh); sets NET (its
# path) and NET_LINKS (the cables, from its "# links: N" line).
gen_net() {
	local name=$1 gen=$2; shift 2
	NET=$WORK/$name.net
	bash "$SIM_LIB_DIR/$gen" "$@" >"$NET" || fail "$gen $* failed (writing $NET)"
	NET_LINKS=$(sed -n 's/^# links: //p' "$NET")
	[ -n "$NET_LINKS" ] || fail "$gen $* wrote no '# links: N' line ($NET)"
}

# sim_start NETFILE [ibsim args]: start a fresh ibsim with a console fifo and
# wait until it answers (up to SIM_READY_S seconds, default 10). Each call
# uses a new socket name.
sim_start() {
	local net=$1; shift
	[ -f "$net" ] || fail "no fabric file $net"
	[ -z "$_SIM_PID" ] || sim_stop
	_SIM_GEN=$((_SIM_GEN + 1))
	export IBSIM_SOCKNAME="smdt-$SIM_TEST-$$-$_SIM_GEN"
	_SIM_CTL=$WORK/ibsim-$_SIM_GEN.ctl
	SIM_LOG=$WORK/ibsim-$_SIM_GEN.log
	SIM_NET=$net
	mkfifo "$_SIM_CTL" || fail "mkfifo $_SIM_CTL"
	# The holder keeps a writer on the fifo so ibsim's stdin never sees EOF
	# (it would spin at 100% CPU). Both opens block until the other side opens.
	# Both are bounded by timeout in case this shell dies without its trap.
	timeout "$((SIM_MAX_LIFE + 10))" sleep infinity >"$_SIM_CTL" &
	_SIM_HOLD_PID=$!
	timeout -k 5 "$SIM_MAX_LIFE" ibsim -s "$@" "$net" <"$_SIM_CTL" >"$SIM_LOG" 2>&1 &
	_SIM_PID=$!
	# The first node of every fabric file answers NodeInfo by directed route.
	if ! wait_until "${SIM_READY_S:-10}" _sim_ready; then
		fail "ibsim did not become ready (socket $IBSIM_SOCKNAME, log $SIM_LOG)"
	fi
}

# Ready once ibsim has bound its sockets (it prints the banner after that):
# a client started earlier retries, and one killed by its timeout in the
# middle of the handshake makes ibsim panic ("can't connect to in socket").
_sim_ready() {
	kill -0 "$_SIM_PID" 2>/dev/null || fail "ibsim exited (log $SIM_LOG)"
	grep -q 'Network simulator ready' "$SIM_LOG" 2>/dev/null || return 1
	_diag_env "" 10 smpquery -D nodeinfo 0 >/dev/null 2>&1
}

# sim_stop: stop ibsim and its fifo holder (no-op if none runs).
sim_stop() {
	if [ -n "$_SIM_PID" ]; then
		# "Quit" lets ibsim exit cleanly; TERM/KILL if it does not.
		echo "Quit" >"$_SIM_CTL" 2>/dev/null &
		local w=$!
		local i
		for ((i = 0; i < 20; i++)); do
			kill -0 "$_SIM_PID" 2>/dev/null || break
			sleep 0.1
		done
		_kill_wait "$_SIM_PID" 3
		wait "$_SIM_PID" 2>/dev/null
		kill "$w" 2>/dev/null
		wait "$w" 2>/dev/null
	fi
	if [ -n "$_SIM_HOLD_PID" ]; then
		kill -TERM "$_SIM_HOLD_PID" 2>/dev/null
		wait "$_SIM_HOLD_PID" 2>/dev/null
	fi
	_SIM_PID=""
	_SIM_HOLD_PID=""
}

# sim_console CMD: send one console command, e.g. 'Unlink "node2"[1]'.
sim_console() {
	[ -n "$_SIM_PID" ] && kill -0 "$_SIM_PID" 2>/dev/null || fail "sim_console: no ibsim running"
	note "ibsim console: $*"
	# bounded: opening the fifo would block forever if ibsim had just died
	timeout 5 bash -c 'echo "$1" >"$2"' sh "$*" "$_SIM_CTL" || fail "sim_console: cannot write to ibsim"
}

# --- clients --------------------------------------------------------------------

# _diag_env NODE SECS CMD...: run a client attached to NODE ("" = first node).
_diag_env() {
	local node=$1 secs=$2; shift 2
	if [ -n "$node" ]; then
		timeout -k 2 "$secs" env LD_PRELOAD="$UMAD2SIM" SIM_HOST="$node" "$@"
	else
		timeout -k 2 "$secs" env LD_PRELOAD="$UMAD2SIM" "$@"
	fi
}

# diag NODE CMD...: run an infiniband-diags command attached to NODE.
diag() {
	local node=$1; shift
	_diag_env "$node" "$DIAG_TIMEOUT" "$@"
}

# wait_until SECONDS CMD...: poll CMD every 0.1 s until it succeeds.
wait_until() {
	local secs=$1; shift
	local end=$((SECONDS + secs))
	while :; do
		"$@" && return 0
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# holds SECONDS CMD...: CMD keeps succeeding for SECONDS (polled every 0.5 s).
holds() {
	local secs=$1; shift
	local end=$((SECONDS + secs))
	while [ "$SECONDS" -lt "$end" ]; do
		"$@" || return 1
		sleep 0.5
	done
	"$@"
}

# now_ms: milliseconds since the epoch (for measured times).
now_ms() { date +%s%3N; }

# --- reading the fabric by directed route -------------------------------------

# port_info NODE DRPATH PORT: smpquery portinfo output ("0" = local node).
port_info() { diag "$1" smpquery -D portinfo "$2" "$3" 2>/dev/null; }

# _field NAME: value of "NAME:......value" in smpquery output on stdin.
_field() { sed -n "s/^$1:\.*//p" | head -n 1; }

# port_field NODE DRPATH PORT FIELD: one PortInfo field (e.g. Lid, SMLid).
port_field() { port_info "$1" "$2" "$3" | _field "$4"; }

# port_state NODE DRPATH PORT: Down, Initialize, Armed or Active
# (smpquery prints PortState as "LinkState").
port_state() { port_field "$1" "$2" "$3" LinkState; }

# port_phys NODE DRPATH PORT: LinkUp, Polling, Disabled ...
port_phys() { port_field "$1" "$2" "$3" PhysLinkState; }

# port_lid NODE DRPATH PORT: the port's LID in decimal.
port_lid() { port_field "$1" "$2" "$3" Lid; }

# port_is NODE DRPATH PORT STATE: the port is in STATE.
port_is() { [ "$(port_state "$1" "$2" "$3")" = "$4" ]; }

# smlid_is NODE LID: NODE's own port 1 has MasterSMLID LID.
smlid_is() { [ "$(port_field "$1" 0 1 SMLid)" = "$2" ]; }

# node_field NODE DRPATH FIELD: a NodeInfo field (Guid, PortGuid, NodeType ...).
node_field() { diag "$1" smpquery -D nodeinfo "$2" 2>/dev/null | _field "$3"; }

# port_guid NODE: PortGuid of NODE's own port.
port_guid() { node_field "$1" 0 PortGuid; }

# all_active NODE:PORT...: every listed local port (DR path 0) is Active.
all_active() {
	local np
	for np in "$@"; do
		port_is "${np%%:*}" 0 "${np##*:}" Active || return 1
	done
}

# sminfo_of NODE [sminfo args]: query SMInfo and set SMI_LID SMI_GUID SMI_ACT
# SMI_PRIO SMI_STATE (3 MASTER, 2 STANDBY ...) SMI_NAME. Returns 1 if no answer.
# Line format: "sminfo: sm lid 1 sm guid 0x100001, activity count 19
#               priority 5 state 3 SMINFO_MASTER"
sminfo_of() {
	local node=$1; shift
	local out
	SMI_LID="" SMI_GUID="" SMI_ACT="" SMI_PRIO="" SMI_STATE="" SMI_NAME=""
	out=$(diag "$node" sminfo "$@" 2>/dev/null) || return 1
	local re='sm lid ([0-9]+) sm guid (0x[0-9a-fA-F]+), activity count ([0-9]+) priority ([0-9]+) state ([0-9]+) ([A-Z_]+)'
	[[ $out =~ $re ]] || return 1
	SMI_LID=${BASH_REMATCH[1]}
	SMI_GUID=${BASH_REMATCH[2]}
	SMI_ACT=${BASH_REMATCH[3]}
	SMI_PRIO=${BASH_REMATCH[4]}
	SMI_STATE=${BASH_REMATCH[5]}
	SMI_NAME=${BASH_REMATCH[6]}
}

# sm_state_is NODE NAME [sminfo args]: the SM answering has state NAME
# (MASTER, STANDBY, ...).
sm_state_is() {
	local node=$1 want=$2; shift 2
	sminfo_of "$node" "$@" && [ "$SMI_NAME" = "SMINFO_$want" ]
}

# elected MASTER_NODE STANDBY_NODE: the SM on the first node (asked on its
# own port) answers MASTER, the one on the second STANDBY.
elected() { sm_state_is "$1" MASTER -D 0 && sm_state_is "$2" STANDBY -D 0; }

# pair_elected: on a fresh pair, node2 (priority 9) MASTER first, then
# node1 (priority 3) STANDBY; sets PID1 LOG1 PID2 LOG2 and G2 (node2's GUID).
pair_elected() {
	sim_start "$SIM_FABRICS/pair.net"
	G2=$(port_guid node2)
	smd_conf node1 "priority = 3" >/dev/null
	smd_conf node2 "priority = 9" >/dev/null
	smd_start node2
	PID2=$SMD_PID LOG2=$SMD_LOG
	must "node2 MASTER" wait_until 30 sm_state_is node2 MASTER -D 0
	smd_start node1
	PID1=$SMD_PID LOG1=$SMD_LOG
	must "node2 MASTER, node1 STANDBY" wait_until 30 elected node2 node1
}

# guid_eq A B: two GUIDs in any hex spelling are equal.
guid_eq() { [ -n "$1" ] && [ -n "$2" ] && [ "$(printf '%x' "$(($1))")" = "$(printf '%x' "$(($2))")" ]; }

# --- background clients (smd, opensm) ---------------------------------------

# _bg_start LOG NODE PRELOAD CMD...: start CMD attached to NODE, with
# LD_PRELOAD=PRELOAD, in the background, stdout+stderr to LOG, under
# `timeout $SMD_MAX_LIFE` (its own process group, a safety net if this shell
# dies without its trap). Sets BG_PID to CMD's own pid: sh records it (and
# its parent, timeout), then CMD takes it over by exec; only CMD gets the
# preload. The subshell around timeout turns a death
# by signal into an exit status (bash would print "Killed" otherwise).
_bg_start() {
	local log=$1 node=$2 preload=$3; shift 3
	_BG_N=$((_BG_N + 1))
	local pidf=$WORK/.bg-$_BG_N.pid i
	(
		timeout -k 5 "$SMD_MAX_LIFE" env SIM_HOST="$node" sh -c \
			'echo "$$ $PPID" >"$1"; export LD_PRELOAD="$2"; shift 2; exec "$@"' \
			sh "$pidf" "$preload" "$@" >"$log" 2>&1
		exit $?
	) 2>/dev/null &
	local wrap=$!
	for ((i = 0; i < 50; i++)); do
		[ -s "$pidf" ] && break
		sleep 0.1
	done
	[ -s "$pidf" ] || fail "could not start $1 on $node"
	local pids
	read -r -a pids <"$pidf"
	BG_PID=${pids[0]}
	_WRAP[$BG_PID]=$wrap
	_PGID[$BG_PID]=${pids[1]}
}
_BG_N=0

# proc_stop PID [SIGNAL]: send SIGNAL (TERM) to a process started by
# smd_start/osm_start, wait up to 10 s, then KILL. Returns its exit status
# (128+n when killed by signal n).
proc_stop() {
	local pid=$1 sig=${2:-TERM} i rc
	local wrap=${_WRAP[$pid]:-}
	[ -n "$wrap" ] || { echo "proc_stop: unknown pid $pid" >&2; return 255; }
	kill -"$sig" "$pid" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		kill -0 "$wrap" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$wrap" 2>/dev/null; then
		note "process $pid did not exit within 10 s of SIG$sig: KILL"
		kill -KILL "$pid" 2>/dev/null
		kill -KILL -- "-${_PGID[$pid]}" 2>/dev/null
	fi
	wait "$wrap" 2>/dev/null
	rc=$?
	unset "_WRAP[$pid]" "_PGID[$pid]"
	return "$rc"
}

# proc_wait PID: wait for a process started by _bg_start to exit by itself
# (not in a subshell: only the parent can wait); returns its exit status.
proc_wait() {
	local wrap=${_WRAP[$1]}
	wait "$wrap"
	local rc=$?
	unset "_WRAP[$1]"
	return "$rc"
}

# proc_alive PID...: those processes (started by smd_start/osm_start) still run.
proc_alive() {
	local p
	for p in "$@"; do
		[ -n "${_WRAP[$p]:-}" ] && kill -0 "$p" 2>/dev/null || return 1
	done
}

# _newlog BASE: a log file name not used yet in this test.
_newlog() {
	local f=$WORK/$1.log n=2
	while [ -e "$f" ]; do f=$WORK/$1.$n.log; n=$((n + 1)); done
	echo "$f"
}

# --- smd ----------------------------------------------------------------------

need_smd() {
	[ -x "$SMD_BIN" ] || fail "smd binary not found or not executable: '$SMD_BIN' (set SMD_BIN)"
	_smd_preload
}

# preload_for BIN [kumad]: set PRELOAD to the LD_PRELOAD a client of ibsim
# needs: libumad2sim, after the ASan runtime when BIN is built with sanitizers
# (SMD_SANITIZE=ON), with suppressions for errors inside the preload library
# itself exported once. With "kumad", the kernel-like umad double
# (tests/tools/kumad.c: libkumad.so next to SMD_BIN, or $KUMAD) goes in front
# of libumad2sim, its files in KUMAD_DIR (default $WORK). Not in a subshell:
# the exports must stay.
preload_for() {
	local asan kumad=""
	asan=$(ldd "$1" 2>/dev/null | awk '/libasan\.so/ { print $3; exit }')
	if [ -n "$asan" ] && [[ ${ASAN_OPTIONS:-} != *asan.supp* ]]; then
		export ASAN_OPTIONS="suppressions=$SIM_LIB_DIR/asan.supp${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
		export LSAN_OPTIONS="suppressions=$SIM_LIB_DIR/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
	fi
	if [ "${2:-}" = kumad ]; then
		kumad=${KUMAD:-$(dirname "$SMD_BIN")/libkumad.so}
		[ -f "$kumad" ] || fail "no libkumad.so at $kumad (build it: cmake --build build; or set KUMAD)"
		export KUMAD_DIR=${KUMAD_DIR:-$WORK}
	fi
	PRELOAD="${asan:+$asan:}${kumad:+$kumad:}$UMAD2SIM"
}

# _smd_preload: set SMD_PRELOAD, the LD_PRELOAD for smd.
_smd_preload() {
	[ -z "${SMD_PRELOAD:-}" ] || return 0
	preload_for "$SMD_BIN"
	SMD_PRELOAD=$PRELOAD
}

# smd_conf NODE [LINE...]: write $WORK/smd-NODE.conf with state_dir
# $SM_STATE_DIR (default $WORK/state-NODE), control_socket
# $WORK/smd-NODE.sock and import_guid2lid $SMD_IMPORT_G2L (default none: the
# host's own OpenSM cache stays out of the tests); extra LINEs go into [sm].
# Prints the path.
smd_conf() {
	local node=$1; shift
	local f=$WORK/smd-$node.conf l
	{
		echo "# written by tests/sim/t_$SIM_TEST.sh"
		echo "[sm]"
		echo "state_dir = ${SM_STATE_DIR:-$WORK/state-$node}"
		echo "control_socket = $WORK/smd-$node.sock"
		echo "import_guid2lid = ${SMD_IMPORT_G2L:-none}"
		for l in "$@"; do echo "$l"; done
		echo
		echo "[log]"
		echo "level = ${SMD_LOG_LEVEL:-debug}"
	} >"$f"
	echo "$f"
}

# smd_start NODE [smd args]: start "$SMD_BIN -f -c CONF args" in the
# background attached to NODE, log in $WORK/smd-NODE[.N].log. CONF is
# $WORK/smd-NODE.conf (written by smd_conf if missing). Sets SMD_PID, SMD_LOG.
# SMD_UMAD=kumad runs it over the kernel-like umad double (see preload_for;
# its KUMAD_* triggers are passed on from the environment).
# SMD_JOURNAL=1 runs it as systemd does, its stderr the journal: the log
# file is named by JOURNAL_STREAM, and what smd sends the journal is caught
# by libjournalcap (tests/tools/journalcap.c, next to SMD_BIN) in
# SMD_JOURNAL_FILE (the log's name with .journal).
smd_start() {
	need_smd
	local node=$1; shift
	local conf=$WORK/smd-$node.conf pre=$SMD_PRELOAD js="" jf=""
	[ -f "$conf" ] || smd_conf "$node" >/dev/null
	if [ "${SMD_UMAD:-}" = kumad ]; then
		preload_for "$SMD_BIN" kumad
		pre=$PRELOAD
	fi
	SMD_LOG=$(_newlog "smd-$node")
	if [ -n "${SMD_JOURNAL:-}" ]; then
		local jcap=${JOURNALCAP:-$(dirname "$SMD_BIN")/libjournalcap.so}
		[ -f "$jcap" ] || fail "no libjournalcap.so at $jcap (build it: cmake --build build)"
		pre=${pre/"$UMAD2SIM"/"$jcap:$UMAD2SIM"}
		SMD_JOURNAL_FILE=${SMD_LOG%.log}.journal
		: >"$SMD_LOG"     # the redirection below keeps this inode
		js=$(stat -c '%d:%i' "$SMD_LOG") jf=$SMD_JOURNAL_FILE
	fi
	note "start: SIM_HOST=$node smd -f -c $(basename "$conf") $* ($(basename "$SMD_LOG"))${SMD_UMAD:+ over $SMD_UMAD}${js:+, stderr the journal}"
	JOURNAL_STREAM=$js JOURNALCAP_FILE=$jf _bg_start "$SMD_LOG" "$node" "$pre" "$SMD_BIN" -f -c "$conf" "$@"
	SMD_PID=$BG_PID
}

smd_stop() { proc_stop "$@"; }

# smd_run NODE [smd args]: run smd in the foreground (e.g. --once) attached
# to NODE, log in $WORK/smd-NODE[.N].log; returns its exit status.
smd_run() {
	need_smd
	local node=$1; shift
	local conf=$WORK/smd-$node.conf
	[ -f "$conf" ] || smd_conf "$node" >/dev/null
	SMD_LOG=$(_newlog "smd-$node")
	note "run: SIM_HOST=$node smd -f -c $(basename "$conf") $* ($(basename "$SMD_LOG"))"
	timeout -k 5 "$SMD_ONCE_TIMEOUT" env LD_PRELOAD="$SMD_PRELOAD" SIM_HOST="$node" \
		"$SMD_BIN" -f -c "$conf" "$@" >"$SMD_LOG" 2>&1
}

# smctl NODE ARGS...: smctl (next to SMD_BIN, or $SMCTL) talking to the
# control socket smd_conf gives NODE's smd, bounded by DIAG_TIMEOUT.
smctl() {
	local node=$1; shift
	timeout "$DIAG_TIMEOUT" "${SMCTL:-$(dirname "$SMD_BIN")/smctl}" \
		--socket "$WORK/smd-$node.sock" "$@"
}

# log_has FILE REGEX: FILE has a line matching the extended regex.
log_has() { grep -Eq -- "$2" "$1" 2>/dev/null; }

# log_count FILE REGEX: how many lines of FILE match the extended regex
# (0 when FILE is missing).
log_count() {
	local n
	n=$(grep -Ec -- "$2" "$1" 2>/dev/null)
	echo "${n:-0}"
}

# jentry FILE SPEC...: FILE (journal entries as `journalctl -o export`
# writes them, or libjournalcap) holds one entry with every SPEC: FIELD=VALUE
# (that exact line), FIELD~REGEX (a FIELD= line whose value matches) or
# !FIELD (no FIELD= line).
jentry() {
	local f=$1; shift
	[ -f "$f" ] || return 1
	awk -v want="$(printf '%s\n' "$@")" '
	BEGIN { RS = ""; FS = "\n"; n = split(want, w, "\n") }
	{
		ok = 1
		for (j = 1; j <= n && ok; j++) {
			hit = 0
			if (substr(w[j], 1, 1) == "!") {
				hit = 1
				for (i = 1; i <= NF; i++)
					if (index($i, substr(w[j], 2) "=") == 1) hit = 0
			} else if (match(w[j], /^[A-Z0-9_]+~/)) {
				k = substr(w[j], 1, RLENGTH - 1) "="
				re = substr(w[j], RLENGTH + 1)
				for (i = 1; i <= NF; i++)
					if (index($i, k) == 1 && substr($i, length(k) + 1) ~ re) hit = 1
			} else {
				for (i = 1; i <= NF; i++) if ($i == w[j]) hit = 1
			}
			ok = hit
		}
		if (ok) { found = 1; exit }
	}
	END { exit !found }' "$f"
}
# last_state_is FILE STATE: the last "entering MASTER|STANDBY" line of an smd
# log names STATE.
last_state_is() {
	grep -Eo "entering (MASTER|STANDBY)" "$1" 2>/dev/null | tail -n 1 | grep -q "entering $2"
}

# --- OpenSM as a stand-in (SIM_SM=opensm: checks the harness itself) ----------

# An OpenSM options file tuned like the tests' smd: fast standby polling.
_osm_conf() {
	local f=$WORK/opensm.conf
	if [ ! -f "$f" ]; then
		{
			echo "sminfo_polling_timeout 2000"
			echo "polling_retry_number 3"
			echo "sweep_interval ${OSM_SWEEP:-5}"
			echo "sm_priority 0"
			# ibsim drops TrapRepress and libumad2sim never times a MAD
			# out: every trap 144 a standby OpenSM sends to a lower-ranked
			# master stays outstanding, and at max_wire_smps (default 4) of
			# them OpenSM stops sending anything at all.
			echo "max_wire_smps 256"
		} >"$f"
	fi
	echo "$f"
}

# osm_start NODE [opensm args]: OpenSM in the background attached to NODE
# (cache dir $SM_STATE_DIR, default $WORK/osm-NODE; log opensm-NODE.log);
# sets OSM_PID.
osm_start() {
	local node=$1; shift
	local cache=${SM_STATE_DIR:-$WORK/osm-$node}
	mkdir -p "$cache"
	local out
	out=$(_newlog "opensm-$node.out")
	note "start: SIM_HOST=$node opensm $*"
	OSM_CACHE_DIR=$cache _bg_start "$out" "$node" "$UMAD2SIM" \
		opensm -F "$(_osm_conf)" -f "$WORK/opensm-$node.log" "$@"
	OSM_PID=$BG_PID
}

# osm_run NODE [opensm args]: OpenSM --once in the foreground.
osm_run() {
	local node=$1; shift
	local cache=${SM_STATE_DIR:-$WORK/osm-$node}
	mkdir -p "$cache"
	note "run: SIM_HOST=$node opensm --once $*"
	OSM_CACHE_DIR=$cache timeout -k 5 "$SMD_ONCE_TIMEOUT" \
		env LD_PRELOAD="$UMAD2SIM" SIM_HOST="$node" \
		opensm -F "$(_osm_conf)" -f "$WORK/opensm-$node.log" --once "$@" \
		>>"$WORK/opensm-$node.out.log" 2>&1
}

# --- the SM under test: smd, or OpenSM with SIM_SM=opensm -------------------

SIM_SM=${SIM_SM:-smd}
case $SIM_SM in
smd | opensm) ;;
*) echo "not ok 1 - SIM_SM must be smd or opensm" >&2; exit 1 ;;
esac

# is_smd: the SM under test is smd (smd-only checks: logs, state files).
is_smd() { [ "$SIM_SM" = smd ]; }

# smd_only: a test of smd alone ends here, passed, under SIM_SM=opensm.
smd_only() { is_smd || { note "smd-only test"; ok "skipped for $SIM_SM"; done_testing; }; }

# sm_start NODE PRIORITY: the SM under test in the background; sets SM_PID.
sm_start() {
	local node=$1 prio=$2
	if is_smd; then
		smd_start "$node" -p "$prio"
		SM_PID=$SMD_PID
	else
		osm_start "$node" -p "$prio"
		SM_PID=$OSM_PID
	fi
}

# sm_once NODE [PRIORITY]: one sweep as master; returns the exit status.
sm_once() {
	local node=$1 prio=${2:-}
	if is_smd; then
		smd_run "$node" --once ${prio:+-p "$prio"}
	else
		osm_run "$node" ${prio:+-p "$prio"}
	fi
}

# --- whole-fabric checks (iblinkinfo: directed-route discovery) --------------

# fabric_scan NODE: discover the fabric from NODE with `iblinkinfo -l` (one
# line per port of every node, found by directed route) and set:
#   FAB_NODES       LID owners seen (switches, and CA ports)
#   FAB_LINKS       links seen (each counted once, from either end)
#   FAB_ACTIVE      links Active at both ends
#   FAB_BAD         "guid[port]=State/Phys" of every linked port not Active
#   FAB_LID0        GUIDs whose LID is 0
#   FAB_LIDDUP      LIDs held by more than one GUID ("lid:guid,guid")
# A port is linked when iblinkinfo shows a neighbour or its PhysLinkState is
# LinkUp. The GUID printed is the switch's node GUID (its LID is port 0's) or
# the CA's port GUID, so "GUID" = "LID owner". Output kept in $WORK/iblinkinfo.txt.
fabric_scan() {
	local node=$1 out=$WORK/iblinkinfo.txt sum
	FAB_NODES=0 FAB_LINKS=0 FAB_ACTIVE=0 FAB_BAD="" FAB_LID0="" FAB_LIDDUP=""
	diag "$node" iblinkinfo -l >"$out" 2>"$WORK/iblinkinfo.err" || return 1
	sum=$(awk '
	function trim(s) { gsub(/^[ \t]+|[ \t]+$/, "", s); return s }
	/==\(/ {
		i = index($0, "==("); j = index($0, ")==>")
		if (!i || !j) next
		left = substr($0, 1, i - 1); mid = substr($0, i + 3, j - i - 3)
		right = trim(substr($0, j + 4))
		split(left, a, " "); guid = a[1]
		q = left; sub(/.*"/, "", q)          # after the description: LID PORT[..]
		split(trim(q), b, /[ \t\[]+/); lid = b[1] + 0; port = b[2] + 0
		n = split(trim(mid), m, /[ \t]+/)
		phys = m[n]; st = m[n - 1]; sub(/\/$/, "", st)
		rguid = ""
		if (right ~ /^0x/) {
			split(right, r, /[ \t\[]+/); rguid = r[1]; rport = r[3] + 0
		}
		if (!(guid in owner)) { owner[guid] = lid; nodes++ }
		else if (owner[guid] != lid) inconsistent = inconsistent " " guid
		linked = (rguid != "" || phys == "LinkUp")
		if (!linked) next
		if (st != "Active") bad = bad " " guid "[" port "]=" st "/" phys
		if (rguid == "") next
		e1 = guid ":" port; e2 = rguid ":" rport
		key = (e1 < e2) ? e1 " " e2 : e2 " " e1
		if (!(key in links)) { links[key] = 1; nlinks++; act[key] = 1 }
		if (st != "Active") act[key] = 0
	}
	END {
		for (k in act) if (act[k]) nact++
		for (g in owner) {
			if (owner[g] == 0) lid0 = lid0 " " g
			else if (owner[g] in byLid) byLid[owner[g]] = byLid[owner[g]] "," g
			else byLid[owner[g]] = g
		}
		for (l in byLid) if (byLid[l] ~ /,/) dup = dup " " l ":" byLid[l]
		if (inconsistent != "") dup = dup " inconsistent:" inconsistent
		printf "FAB_NODES=%d\nFAB_LINKS=%d\nFAB_ACTIVE=%d\n", nodes, nlinks, nact
		printf "FAB_BAD=\"%s\"\nFAB_LID0=\"%s\"\nFAB_LIDDUP=\"%s\"\n", bad, lid0, dup
	}' "$out")
	eval "$sum"
}

# fabric_all_active NODE LINKS: a scan from NODE finds LINKS links, all Active.
fabric_all_active() {
	fabric_scan "$1" && [ "$FAB_LINKS" -eq "$2" ] && [ "$FAB_ACTIVE" -eq "$2" ] && [ -z "$FAB_BAD" ]
}

# --- lftcheck: the routing checker (tests/tools/lftcheck) ---------------------

# need_lftcheck: find lftcheck next to SMD_BIN (or $LFTCHECK) and the preload
# it needs (a sanitizer build wants the ASan runtime first).
need_lftcheck() {
	LFTCHECK=${LFTCHECK:-$(dirname "$SMD_BIN")/lftcheck}
	[ -x "$LFTCHECK" ] || fail "no lftcheck at $LFTCHECK (build it: cmake --build build; or set LFTCHECK)"
	preload_for "$LFTCHECK"
	LFT_PRELOAD=$PRELOAD
}

# lft NODE [lftcheck args]: run lftcheck attached to NODE; its output is in
# $WORK/lftcheck.out (and appended to lftcheck.log), the summary line in
# LFT_SUM. Returns lftcheck's exit status.
lft() {
	local node=$1 rc; shift
	timeout -k 2 30 env LD_PRELOAD="$LFT_PRELOAD" SIM_HOST="$node" "$LFTCHECK" "$@" \
		>"$WORK/lftcheck.out" 2>&1
	rc=$?
	{ echo "--- lftcheck $* on $node: exit $rc"; grep -v '^load \|^lid ' "$WORK/lftcheck.out"; } \
		>>"$WORK/lftcheck.log"
	LFT_SUM=$(grep '^lftcheck: switches' "$WORK/lftcheck.out")
	return "$rc"
}

# sum_field NAME: the value after NAME in the last summary line.
sum_field() { awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' <<<"$LFT_SUM"; }

# --- smiset: one SMInfo Set as another SM would send it (tests/tools/smiset) --

# smiset NODE DRPATH MOD GUID KEY PRIORITY STATE: send it from NODE; sets
# SMISET_STATUS (e.g. 0x001c) and SMISET_STATE (the target's SMState).
# Returns 1 when unanswered.
smiset() {
	local node=$1 out; shift
	local tool=${SMISET:-$(dirname "$SMD_BIN")/smiset}
	[ -x "$tool" ] || fail "no smiset at $tool (build it: cmake --build build)"
	SMISET_STATUS="" SMISET_STATE=""
	preload_for "$tool"
	out=$(timeout -k 2 20 env LD_PRELOAD="$PRELOAD" SIM_HOST="$node" "$tool" "$@" 2>&1) || return 1
	[[ $out =~ status\ (0x[0-9a-f]+)\ state\ ([0-9]+) ]] || return 1
	SMISET_STATUS=${BASH_REMATCH[1]}
	SMISET_STATE=${BASH_REMATCH[2]}
}

# --- saclient: what IPoIB sends to the SA (tests/tools/saclient) -------------

# sac NODE ARGS...: run saclient attached to NODE; its answer line is in
# SAC (key=value ...). Returns 1 when no answer came.
sac() {
	local node=$1; shift
	local tool=${SACLIENT:-$(dirname "$SMD_BIN")/saclient}
	[ -x "$tool" ] || fail "no saclient at $tool (build it: cmake --build build)"
	preload_for "$tool"
	SAC=$(timeout -k 2 20 env LD_PRELOAD="$PRELOAD" SIM_HOST="$node" "$tool" "$@" 2>&1 | tail -n 1)
	note "saclient $* on $node: $SAC"
	[[ $SAC == status=* ]]
}

# sac_f KEY: the value of KEY in the last saclient answer.
sac_f() { tr ' ' '\n' <<<"$SAC" | sed -n "s/^$1=//p" | head -n 1; }

# port_gid6 NODE: the port GID of NODE's port 1, written in full as saclient
# prints it (fe80:0000:0000:0000:0000:0000:0010:0003).
port_gid6() {
	local g
	g=$(printf '%016x' "$(($(port_guid "$1")))")
	echo "fe80:0000:0000:0000:${g:0:4}:${g:4:4}:${g:8:4}:${g:12:4}"
}
