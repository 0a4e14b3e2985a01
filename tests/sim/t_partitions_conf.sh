#!/usr/bin/env bash
# sim.partitions_conf: [partitions] file at start, no fabric needed. A bad
# partitions.conf -> exit 2 with "FILE:LINE: what" on stderr; a file named
# in smd.conf that is missing -> exit 2; a good one and `none` -> 0.
# shellcheck disable=SC2034 # read by lib.sh
SIM_NO_FABRIC=1
# shellcheck source=tests/sim/lib.sh
. "$(dirname "$0")/lib.sh"
need_smd

# run CONF: smd --check-config -c CONF; stderr in $WORK/err, status in $RC.
run() {
	timeout -k 2 10 "$SMD_BIN" -c "$1" --check-config >"$WORK/out" 2>"$WORK/err"
	RC=$?
}

conf=$WORK/smd.conf
pfile=$WORK/partitions.conf
printf '[partitions]\nfile = %s\n' "$pfile" >"$conf"

cat >"$pfile" <<'EOP'
# OpenSM's syntax
Default=0x7fff, ipoib, mtu=5 : ALL=full ;
storage=0x8001, ipoib, mtu=4 :
	0x0002c90300000002=full,
	ALL_CAS=limited ;
EOP
run "$conf"
is "a good partitions.conf: exit" "$RC" 0
check "--check-config counts its partitions" grep -qF "(2 partitions from $pfile)" "$WORK/out"

cat >>"$pfile" <<'EOP'
routers=0x10 : ALL_ROUTERS ;
EOP
run "$conf"
is "ALL_ROUTERS: exit" "$RC" 2
check "ALL_ROUTERS is named with file:line" grep -qF "$pfile:6: ALL_ROUTERS is not supported" "$WORK/err"

printf 'x=0x10, mtu=9 : ALL ;\n' >"$pfile"
run "$conf"
is "mtu=9: exit" "$RC" 2
check "mtu=9 is named with file:line" grep -qF "$pfile:1: flag 'mtu': '9' is not a number in 1..5" "$WORK/err"

rm -f "$pfile"
run "$conf"
is "a missing file named in smd.conf: exit" "$RC" 2
check "the missing file is named" grep -qF "$pfile: cannot open" "$WORK/err"

printf '[partitions]\nfile = none\n' >"$conf"
run "$conf"
is "file = none: exit" "$RC" 0

done_testing
