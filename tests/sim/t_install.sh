#!/usr/bin/env bash
# sim.install: `cmake --install` of the build smd was built in, into a
# temporary prefix, yields the binaries, the systemd units (with that
# prefix's paths), the example configuration and the man pages; the units
# pass `systemd-analyze verify` (the template as an instance); the installed
# smd accepts the installed configuration; the man pages render.
# shellcheck disable=SC2034 # read by lib.sh
SIM_NO_FABRIC=1
# shellcheck source=tests/sim/lib.sh
. "$(dirname "$0")/lib.sh"
need_smd

build=$(dirname "$SMD_BIN")
[ -f "$build/cmake_install.cmake" ] || fail "$build is not a CMake build directory"
prefix=$WORK/prefix
must "cmake --install into $prefix" eval 'cmake --install "$build" --prefix "$prefix" >"$WORK/install.log" 2>&1'
for f in sbin/smd sbin/smctl etc/smd/smd.conf lib/systemd/system/smd.service \
	lib/systemd/system/smd@.service share/man/man8/smd.8 share/man/man8/smctl.8 \
	share/man/man5/smd.conf.5; do
	check "installed: $f" test -s "$prefix/$f"
done
check "smd and smctl are executable" test -x "$prefix/sbin/smd" -a -x "$prefix/sbin/smctl"
unit=$prefix/lib/systemd/system/smd.service
check "smd.service starts the installed smd" grep -q "^ExecStart=$prefix/sbin/smd -f -c $prefix/etc/smd/smd.conf" "$unit"
check "smd.service is Type=notify" grep -q "^Type=notify" "$unit"
check "smd.service reloads with SIGHUP" grep -q '^ExecReload=/bin/kill -HUP \$MAINPID' "$unit"
check "smd.service restarts on failure" grep -q "^Restart=on-failure" "$unit"
check "smd@.service: port, state directory and socket per instance" \
	grep -q -- "--port %I --state-dir /var/lib/smd/%I --control-socket /run/smd-%I/smd.sock" \
	"$prefix/lib/systemd/system/smd@.service"
is "the configuration is readable by its owner only (it may hold the M_Key)" \
	"$(stat -c %a "$prefix/etc/smd/smd.conf")" 600
check "the installed smd accepts the installed configuration" \
	"$prefix/sbin/smd" --check-config -c "$prefix/etc/smd/smd.conf"

if command -v systemd-analyze >/dev/null; then
	# A template is verified as one of its instances, a port GUID here:
	# systemd-analyze verify takes a ':' in a file name (smd@mlx5_0:1)
	# for something else.
	mkdir -p "$WORK/units"
	cp "$unit" "$WORK/units/smd.service"
	cp "$prefix/lib/systemd/system/smd@.service" "$WORK/units/smd@0x0002c90300000001.service"
	for u in smd.service smd@0x0002c90300000001.service; do
		# (it checks the Documentation= man pages with man(1))
		MANPATH=$prefix/share/man: systemd-analyze verify "$WORK/units/$u" >"$WORK/verify.log" 2>&1
		rc=$?
		sed 's/^/# /' "$WORK/verify.log"
		is "systemd-analyze verify $u" "$rc" 0
		check "$u: no warning from systemd-analyze" eval '! [ -s "$WORK/verify.log" ]'
	done
else
	not_ok "systemd-analyze not found: run scripts/deps.sh"
fi
for m in man8/smd.8 man8/smctl.8 man5/smd.conf.5; do
	out=$(groff -man -Tutf8 -ww "$prefix/share/man/$m" 2>&1 >/dev/null)
	is "$m renders without warnings" "$out" ""
done
"$prefix/sbin/smctl" --socket "$WORK/none.sock" status 2>"$WORK/err"
is "smctl without a daemon: exit status" "$?" 1
check "smctl says why in one line" grep -q "no smd listens on $WORK/none.sock" "$WORK/err"

done_testing
