#!/usr/bin/env bash
# sim.soak: smd stays whole through many events (short form; the long one:
# SOAK_FLAPS=100 SOAK_RESTARTS=50). A fat-tree (4 leaves x 4 hosts, 2
# spines), smd on h0:
#  1. SOAK_FLAPS (20) leaf-spine cable flaps, pulled and put back in turn on
#     every leaf: after each, every link Active again and every pair routed
#     (lftcheck); smd's RSS and open descriptors flat (the last within 10%
#     and 2 of the first after the warm-up);
#  2. SOAK_RESTARTS (10) restarts of smd (SIGTERM, start again): the same
#     LID on every port each time (lftcheck -L).
# shellcheck source=tests/sim/lib.sh
. "$(dirname "$0")/lib.sh"
smd_only
need_lftcheck

# Under AddressSanitizer freed memory waits in its quarantine: without
# one, RSS shows what smd itself keeps.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0"
FLAPS=${SOAK_FLAPS:-20}
RESTARTS=${SOAK_RESTARTS:-10}
gen_net fattree gen-fattree.sh 4 4 2 36
sim_start "$NET"
smd_conf h0 "sweep_interval = 2" >/dev/null
smd_start h0
pid=$SMD_PID
must "every pair routed" wait_until 60 lft h0 -S
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$pid/status"; }
fds() { ls "/proc/$pid/fd" | wc -l; }
links=$(sum_field links)
settled() { lft h0 -S && [ "$(sum_field active)" = "$links" ]; }

note "1. $FLAPS cable flaps"
bad=0
for i in $(seq 1 "$FLAPS"); do
	leaf=leaf$(( i % 4 )) port=$(( 5 + i % 2 ))
	sim_console "Unlink \"$leaf\"[$port]" >/dev/null
	wait_until 30 lft h0 -S || bad=$((bad + 1))
	sim_console "ReLink \"$leaf\"[$port]" >/dev/null
	wait_until 30 settled || bad=$((bad + 1))
	if [ "$i" -eq 2 ]; then rss0=$(rss); fd0=$(fds); fi
done
is "every flap: all pairs routed, every link Active again" "$bad" 0
rss1=$(rss) fd1=$(fds)
note "RSS ${rss0} -> ${rss1} KiB, descriptors ${fd0} -> ${fd1}"
check "RSS flat (within 10%)" [ "$rss1" -le $(( rss0 + rss0 / 10 )) ]
check "descriptors flat" [ "$fd1" -le $(( fd0 + 2 )) ]
check "smd running" proc_alive "$pid"

note "2. $RESTARTS restarts"
must "LIDs read" lft h0 -L
lids0=$(grep '^lid ' "$WORK/lftcheck.out" | sort)
same=0
for i in $(seq 1 "$RESTARTS"); do
	smd_stop "$pid"
	smd_start h0
	pid=$SMD_PID
	if wait_until 30 lft h0 -L && [ "$(grep '^lid ' "$WORK/lftcheck.out" | sort)" = "$lids0" ]; then
		same=$((same + 1))
	fi
done
is "the same LIDs after every restart" "$same" "$RESTARTS"

done_testing
