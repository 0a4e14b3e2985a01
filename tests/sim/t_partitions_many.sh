#!/usr/bin/env bash
# sim.partitions_many: more ports than smd works on at once (256): a
# fat-tree of 640 hosts (16 leaves of 40, 8 spines) and one partition of
# every CA. smd --once gives every host the key and every leaf port facing
# a host the same table: 1,280 tables written (smd's log, one line each),
# and the hosts read back by smpquery at the start, middle and end.
# shellcheck source=tests/sim/lib.sh
. "$(dirname "$0")/lib.sh"
smd_only

gen_net many gen-fattree.sh 16 40 8 48
sim_start "$NET"
pconf=$WORK/partitions.conf
printf 'Default=0x7fff, ipoib : ALL=full ;\nall=0x8001 : ALL_CAS=full ;\n' >"$pconf"
smd_conf h0 "" "[partitions]" "file = $pconf" >/dev/null
smd_run h0 --once
is "smd --once" "$?" 0
is "tables written: 640 hosts and the 640 leaf ports facing them" \
	"$(log_count "$SMD_LOG" ": 1 P_Key table block written")" 1280
keys() {
	diag "$1" smpquery -D pkeys 0 1 2>/dev/null | grep -v capacity |
		awk '{ for (i = 2; i <= NF; i++) if ($i != "0x0000") printf "%d:%s ", $1 + i - 2, $i }'
}
for h in h0 h319 h639; do
	is "$h holds the key" "$(keys "$h")" "0:0xffff 1:0x8001 "
done
done_testing
