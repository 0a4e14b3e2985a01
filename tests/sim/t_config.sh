#!/usr/bin/env bash
# sim.config: command line and configuration errors, no fabric needed.
# Bad config -> exit 2 with "FILE:LINE: key 'KEY'" on stderr and nothing
# started (a device or a NUL byte too); usage errors -> 2; --check-config
# on a good file -> 0; -V -> 0.
# shellcheck disable=SC2034 # read by lib.sh
SIM_NO_FABRIC=1
# shellcheck source=tests/sim/lib.sh
. "$(dirname "$0")/lib.sh"
need_smd

# smd_cli ARGS...: run smd (no preload, no fabric) with a 10 s bound;
# stdout in $WORK/out, stderr in $WORK/err; returns the exit status.
smd_cli() {
	timeout -k 2 10 "$SMD_BIN" "$@" >"$WORK/out" 2>"$WORK/err"
}

# expect RC DESC ARGS...: smd ARGS exits RC.
expect() {
	local want=$1 desc=$2; shift 2
	smd_cli "$@"
	local rc=$?
	if [ "$rc" -eq "$want" ]; then
		ok "$desc: exit $rc"
		return 0
	fi
	not_ok "$desc: exit $rc, want $want (stderr: $(head -c 300 "$WORK/err"))"
	return 1
}

# names_key DESC FILE LINE KEY: one stderr line names "FILE:LINE:" and then
# "key 'KEY'" (e.g. "f.conf:3: key 'priority': 16 is out of range" or
# "f.conf:4: unknown key 'colour' in [sm]").
names_key() {
	if grep -F -- "$2:$3:" "$WORK/err" | grep -qF -- "key '$4'"; then ok "$1"; return 0; fi
	not_ok "$1: no stderr line with \"$2:$3: ... key '$4'\" (stderr: $(head -c 300 "$WORK/err"))"
	return 1
}

# stderr_has DESC FIXED-STRING
stderr_has() {
	if grep -qF -- "$2" "$WORK/err"; then ok "$1"; return 0; fi
	not_ok "$1: stderr lacks \"$2\" (stderr: $(head -c 300 "$WORK/err"))"
	return 1
}

state=$WORK/state

# good config: every key of the contract, valid values.
good=$WORK/good.conf
cat >"$good" <<EOC
# a complete, valid configuration
[sm]
priority = 7
port = ibsim0:1
state_dir = $state
sweep_interval = 10
sm_key = 0x1
poll_interval = 500
poll_retries = 3

[mad]
window = 16
timeout = 200
retries = 3

[log]
level = debug
EOC
expect 0 "--check-config on a complete good file" --check-config -c "$good"
expect 0 "--config long option" --check-config --config "$good"
sed 's/^port = .*/port = 0x0002c90300000001/' "$good" >"$WORK/guidport.conf"
expect 0 "--check-config with port = 0x<guid>" --check-config -c "$WORK/guidport.conf"
printf '[sm]\nstate_dir = %s\n' "$state" >"$WORK/minimal.conf"
expect 0 "--check-config on a minimal file" --check-config -c "$WORK/minimal.conf"

if [ -f "$SMD_SRC/conf/smd.conf" ]; then
	expect 0 "the shipped conf/smd.conf passes --check-config" --check-config -c "$SMD_SRC/conf/smd.conf"
else
	not_ok "conf/smd.conf missing in $SMD_SRC"
fi

# bad KEY LINE CONTENT...: a config whose line LINE is the bad one must be
# refused with "FILE:LINE: key 'KEY'", both by --check-config and by a
# daemon start (which must not start anything).
bad() {
	local key=$1 line=$2 name=$3; shift 3
	local f=$WORK/bad-$name.conf
	printf '%s\n' "$@" >"$f"
	expect 2 "bad $name: --check-config" --check-config -c "$f"
	names_key "bad $name: names file, line and key" "$f" "$line" "$key"
	expect 2 "bad $name: daemon refuses to start" -f -c "$f"
	names_key "bad $name: daemon names file, line and key" "$f" "$line" "$key"
}

bad priority 3 priority16 "# line 1" "[sm]" "priority = 16" "state_dir = $state"
bad priority 2 priority-neg "[sm]" "priority = -1"
bad priority 2 priority-word "[sm]" "priority = high"
bad colour 4 unknown-key "[sm]" "priority = 1" "" "colour = blue"
bad window 5 window0 "[sm]" "state_dir = $state" "" "[mad]" "window = 0"
bad level 2 loglevel "[log]" "level = loud"
bad port 2 port "[sm]" "port = not-a-port"
bad state_dir 2 relative-state "[sm]" "state_dir = relative/dir"
bad import_guid2lid 3 relative-import "[sm]" "state_dir = $state" "import_guid2lid = guid2lid"
for v in none /var/cache/opensm/guid2lid; do
	printf '%s\n' "[sm]" "state_dir = $state" "import_guid2lid = $v" >"$WORK/import.conf"
	expect 0 "import_guid2lid = $v: --check-config" --check-config -c "$WORK/import.conf"
done

# an unknown section: FILE:LINE: and the section's name
f=$WORK/bad-section.conf
printf '%s\n' "[sm]" "priority = 1" "[bogus]" "x = 1" >"$f"
expect 2 "unknown section: --check-config" --check-config -c "$f"
stderr_has "unknown section: names file and line" "$f:3:"
stderr_has "unknown section: names the section" "bogus"
expect 2 "unknown section: daemon refuses to start" -f -c "$f"

check "no bad config created the state_dir" test ! -e "$state"

# not a configuration: a device with no end (this hung), a NUL byte in a
# line (read as if the line ended there: priority 5 accepted)
expect 2 "-c /dev/zero: refused, not read forever" --check-config -c /dev/zero
stderr_has "-c /dev/zero: says why" "/dev/zero: not a regular file"
f=$WORK/nul.conf
printf '[sm]\npriority = 5\0junk\n' >"$f"
expect 2 "a NUL byte in a line: --check-config" --check-config -c "$f"
stderr_has "a NUL byte: names file and line" "$f:2: line has a NUL byte"
expect 2 "a NUL byte in a line: daemon refuses to start" -f -c "$f"

expect 2 "-c missing file" --check-config -c "$WORK/no-such.conf"
stderr_has "-c missing file: names the file" "$WORK/no-such.conf"
expect 2 "-c missing file, daemon" -f -c "$WORK/no-such.conf"

expect 2 "-p 16" --check-config -c "$good" -p 16
expect 2 "--priority 16" --check-config -c "$good" --priority 16
expect 2 "-p x" --check-config -c "$good" -p x
expect 0 "-p 15" --check-config -c "$good" -p 15
expect 2 "unknown option" --check-config -c "$good" --no-such-option
expect 2 "stray argument" --check-config -c "$good" stray

expect 0 "-V" -V
version=$(sed -n 's/^project(smd VERSION \([0-9.]*\).*/\1/p' "$SMD_SRC/CMakeLists.txt")
if [ -n "$version" ]; then
	check "-V prints the version $version" grep -qF "$version" "$WORK/out"
else
	check "-V prints a version" grep -Eq '[0-9]+\.[0-9]+' "$WORK/out"
fi
expect 0 "--version" --version
expect 0 "-h" -h
usage_ok() { grep -q -- "--once" "$WORK/out" && grep -q -- "--check-config" "$WORK/out"; }
check "-h prints usage with the options" usage_ok
expect 0 "--help" --help

done_testing
