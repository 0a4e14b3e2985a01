#!/usr/bin/env bash
# sim.sa_budget: one port asking for tables in a loop cannot keep the master
# busy or starve the others (issue 16). A fat-tree (4 leaves x 4 hosts, 2
# spines, 36-port switches), smd on h0:
#  1. h1 sends 1,000 PortInfoRecord GetTables back to back (16 KiB each):
#     the first ones are answered, then BUSY (0x0001) until its share of
#     the master (1 MiB/s a port) refills; before, all 1,000 were computed;
#  2. meanwhile h2 is served: saquery (the real client) reads the
#     NodeRecords and PortInfoRecords;
#  3. one log line for h1's flood, naming its LID;
#  4. two seconds later h1 is served again (saquery); IPoIB's single
#     PathRecord Gets and joins are never counted.
# shellcheck source=tests/sim/lib.sh
. "$(dirname "$0")/lib.sh"
smd_only

gen_net fattree gen-fattree.sh 4 4 2 36
sim_start "$NET"
smd_conf h0 >/dev/null
smd_start h0
must "subnet up" wait_until 60 log_has "$SMD_LOG" "IPoIB broadcast group ready"
tool=$(dirname "$SMD_BIN")/saclient
preload_for "$tool"
h1lid=$(port_lid h1 0 1)

out=$(timeout -k 2 60 env LD_PRELOAD="$PRELOAD" SIM_HOST=h1 "$tool" rawn 1000 0x12 0x12 0)
note "h1: $out"
served=$(sed -n 's/.*status_0000=\([0-9]*\).*/\1/p' <<<"$out")
busy=$(sed -n 's/.*status_0001=\([0-9]*\).*/\1/p' <<<"$out")
check "h1's first tables answered (${served:-0})" [ "${served:-0}" -ge 10 ]
check "most of the 1,000 answered BUSY (${busy:-0})" [ "${busy:-0}" -ge 500 ]
check "h2 reads the NodeRecords meanwhile" diag h2 saquery -N
check "h2 reads the PortInfoRecords" diag h2 saquery PIR
is "h2's PathRecord Get" "$(sac h2 path "$(port_gid6 h3)" >/dev/null; sac_f status)" 0x0000
is "one line for h1's flood" "$(log_count "$SMD_LOG" "SA: LID $h1lid asks for more tables")" 1
sleep 2
check "two seconds later h1 is served again" diag h1 saquery -N
is "h1's PathRecord Get" "$(sac h1 path "$(port_gid6 h3)" >/dev/null; sac_f status)" 0x0000
check "smd alive" proc_alive "$SMD_PID"
done_testing
