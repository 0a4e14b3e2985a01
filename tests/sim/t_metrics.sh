#!/usr/bin/env bash
# sim.metrics: [metrics] listen serves Prometheus' text format, read back
# with Prometheus' own Python parser (promcheck.py, python3-prometheus-client)
# and checked against the diags:
#  1. the pair, node2 MASTER and node1 STANDBY, each with its own endpoint:
#     state, priority, master GUID as sminfo says, ports Active as smpquery
#     says, nodes; an SA query is counted; `smctl metrics` has the same
#     families; every family is documented in README.md;
#  2. a replug (console Unlink/ReLink): no counter goes down on either SM,
#     and the master's sweeps are counted;
#  3. hostile clients on the master: 40 connections that send half a
#     request and stop, a malformed request (400), an oversized header, a
#     wrong path (404) and method: meanwhile the SM answers sminfo and a
#     scrape is served at once; the half requests are dropped within the
#     server's 5 s; then the election's counters on node1: a handover taken
#     (node2's SIGTERM), given (node2 back), a failover (node2 killed), the
#     master changes and smd_master_info as sminfo says;
#  4. a fat-tree master (4 leaves x 4 hosts, 2 spines): nodes, switches,
#     ports Active as iblinkinfo sees them, LFT blocks written.
# Ports: free loopback ports picked here.
# shellcheck source=tests/sim/lib.sh
. "$(dirname "$0")/lib.sh"

smd_only
command -v curl >/dev/null || fail "curl not found: run scripts/deps.sh"
# Debian's python3 (the one python3-prometheus-client installs into), not
# whatever python3 comes first in PATH.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
"$PY" -c 'import prometheus_client' 2>/dev/null ||
	fail "python3-prometheus-client not found for $PY: run scripts/deps.sh"
PROM="$PY $SIM_LIB_DIR/promcheck.py"

# free_port: a TCP port on 127.0.0.1 nobody listens on now.
free_port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# scrape PORT FILE: GET /metrics into FILE (2 s at most).
scrape() { curl -sf --max-time 2 "http://127.0.0.1:$1/metrics" -o "$2"; }

# mv_ FILE NAME [LABEL=VALUE...]: one sample's value ("" when absent).
mv_() { $PROM get "$@" 2>/dev/null; }

# master_guid FILE: the guid label of smd_master_info.
master_guid() { $PROM parse "$1" 2>/dev/null | sed -n 's/^smd_master_info{guid="\([^"]*\)".*/\1/p'; }

# active_ports NODE...: how many of those nodes' port 1 smpquery says are Active.
active_ports() {
	local n=0 node
	for node in "$@"; do port_is "$node" 0 1 Active && n=$((n + 1)); done
	echo "$n"
}

# metrics_conf NODE PRIORITY PORT: the node's smd.conf with [metrics] listen.
metrics_conf() {
	smd_conf "$1" "priority = $2" "" "[metrics]" "listen = 127.0.0.1:$3" >/dev/null
}

# --- 1. the pair ----------------------------------------------------------------
sim_start "$SIM_FABRICS/pair.net"
P1=$(free_port) P2=$(free_port)
metrics_conf node1 3 "$P1"
metrics_conf node2 9 "$P2"
smd_start node2
PID2=$SMD_PID LOG2=$SMD_LOG
must "node2 MASTER" wait_until 30 sm_state_is node2 MASTER -D 0
smd_start node1
PID1=$SMD_PID
must "node2 MASTER, node1 STANDBY" wait_until 30 elected node2 node1
must "both ports Active" wait_until 30 all_active node1:1 node2:1

must "GET /metrics on the master (port $P2)" wait_until 10 scrape "$P2" "$WORK/m2.txt"
must "GET /metrics on the standby (port $P1)" wait_until 10 scrape "$P1" "$WORK/m1.txt"
# parses FILE: Prometheus' parser reads all of it, and the names follow the rules
parses() { $PROM parse "$1" >/dev/null; }
check "master's text parses, names follow the rules" parses "$WORK/m2.txt"
check "standby's text parses, names follow the rules" parses "$WORK/m1.txt"
note "master: $(grep -vc '^#' "$WORK/m2.txt") samples in $($PROM families "$WORK/m2.txt" | wc -l) families"
curl -sf -D "$WORK/h2.txt" -o /dev/null "http://127.0.0.1:$P2/metrics"
check "Content-Type is the text format 0.0.4" grep -qi '^content-type: text/plain; version=0.0.4' "$WORK/h2.txt"

sminfo_of node2 -D 0
is "master: smd_sm_state = sminfo state" "$(mv_ "$WORK/m2.txt" smd_sm_state)" "$SMI_STATE"
is "master: smd_sm_priority = sminfo priority" "$(mv_ "$WORK/m2.txt" smd_sm_priority)" "$SMI_PRIO"
check "master: smd_master_info guid = sminfo's ($SMI_GUID)" guid_eq "$(master_guid "$WORK/m2.txt")" "$SMI_GUID"
sminfo_of node1 -D 0
is "standby: smd_sm_state = sminfo state" "$(mv_ "$WORK/m1.txt" smd_sm_state)" "$SMI_STATE"
is "standby: smd_sm_priority = sminfo priority" "$(mv_ "$WORK/m1.txt" smd_sm_priority)" "$SMI_PRIO"
# the master as node1's port sees it (sminfo to its SMLid)
sminfo_of node1
check "standby: smd_master_info guid = the master sminfo finds from node1 ($SMI_GUID)" \
	guid_eq "$(master_guid "$WORK/m1.txt")" "$SMI_GUID"
want=$(active_ports node1 node2)
is "master: smd_ports_active = Active ports by smpquery" "$(mv_ "$WORK/m2.txt" smd_ports_active)" "$want"
is "master: smd_ports_linked" "$(mv_ "$WORK/m2.txt" smd_ports_linked)" 2
is "master: smd_nodes" "$(mv_ "$WORK/m2.txt" smd_nodes)" 2
is "master: smd_switches" "$(mv_ "$WORK/m2.txt" smd_switches)" 0
is "master: smd_subnet_up" "$(mv_ "$WORK/m2.txt" smd_subnet_up)" 1
check "standby: smd_ports_active = $want once its look at the fabric is in" \
	wait_until 20 eval 'scrape $P1 $WORK/m1.txt && [ "$(mv_ $WORK/m1.txt smd_ports_active)" = "$want" ]'
is "master: one master change (itself)" "$(mv_ "$WORK/m2.txt" smd_master_changes_total)" 1
ts=$(mv_ "$WORK/m2.txt" smd_master_change_timestamp_seconds)
check "master: last master change within the last minute ($ts)" \
	"$PY" -c "import sys, time; sys.exit(not (0 < time.time() - $ts < 60))"
check "master: MADs counted" test "$(mv_ "$WORK/m2.txt" smd_mads_sent_total)" -gt 0
check "master: heavy sweeps counted" test "$(mv_ "$WORK/m2.txt" smd_sweep_duration_seconds_count kind=heavy)" -ge 1
is "master: broadcast group" "$(mv_ "$WORK/m2.txt" smd_multicast_groups)" 1

# An SA query (PathRecord, from node1) shows on the master.
pr_sum() { $PROM parse "$1" | awk '/^smd_sa_requests_total\{attribute="PathRecord"/ { n += $2 } END { print n + 0 }'; }
before=$(pr_sum "$WORK/m2.txt")
lid1=$(port_lid node1 0 1) lid2=$(port_lid node2 0 1)
check "saquery -p from node1 answered" eval 'diag node1 saquery -p --slid $lid1 --dlid $lid2 >/dev/null' 
scrape "$P2" "$WORK/m2b.txt"
is "master: PathRecord requests counted" "$(pr_sum "$WORK/m2b.txt")" $((before + 1))

# smctl metrics: the same families, for the textfile collector.
smctl node2 metrics >"$WORK/c2.txt"
check "smctl metrics parses" parses "$WORK/c2.txt"
is "smctl metrics: the families of /metrics" "$($PROM families "$WORK/c2.txt" | tr '\n' ' ')" \
	"$($PROM families "$WORK/m2.txt" | tr '\n' ' ')"
# every family documented
undoc=""
for f in $($PROM families "$WORK/m2.txt"); do
	grep -q "\`$f" "$SMD_SRC/README.md" || undoc="$undoc $f"
done
is "every family named in README.md" "${undoc:-none}" none

# --- 2. a replug: counters only grow ------------------------------------------
scrape "$P2" "$WORK/before2.txt"
scrape "$P1" "$WORK/before1.txt"
sim_console 'Unlink "node2"[1]'
check "node1 port goes Down" wait_until 10 port_is node1 0 1 Down
sleep 1
sim_console 'ReLink "node2"[1]'
must "both ports Active again" wait_until 30 all_active node1:1 node2:1
must "node2 MASTER, node1 STANDBY again" wait_until 30 elected node2 node1
sleep 1
scrape "$P2" "$WORK/after2.txt"
scrape "$P1" "$WORK/after1.txt"
check "master: no counter went down across the replug" $PROM grow "$WORK/before2.txt" "$WORK/after2.txt"
check "standby: no counter went down across the replug" $PROM grow "$WORK/before1.txt" "$WORK/after1.txt"
check "master: the replug's sweeps counted" test \
	"$(mv_ "$WORK/after2.txt" smd_sweep_duration_seconds_count kind=heavy)" -gt \
	"$(mv_ "$WORK/before2.txt" smd_sweep_duration_seconds_count kind=heavy)"
is "master: smd_ports_active after the replug" "$(mv_ "$WORK/after2.txt" smd_ports_active)" \
	"$(active_ports node1 node2)"

# --- 3. hostile clients never stall the SM --------------------------------------
# 40 connections each send half a request line and wait for the server to
# hang up; each prints how long that took (99 = it never did, in 12 s).
"$PY" - "$P2" >"$WORK/slow.txt" 2>&1 <<'EOF' &
import socket, sys, time, threading
port = int(sys.argv[1])
res = []
def one():
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET /metr")
    t0 = time.time()
    s.settimeout(12)
    try:
        while s.recv(4096):
            pass
        res.append(time.time() - t0)
    except socket.timeout:
        res.append(99)
ts = [threading.Thread(target=one) for _ in range(40)]
for t in ts: t.start()
for t in ts: t.join()
print(" ".join("%.1f" % r for r in sorted(res)))
EOF
slow=$!
sleep 1
t0=$(now_ms)
check "during the half requests: sminfo answers MASTER" sm_state_is node2 MASTER -D 0
check "during the half requests: a scrape is served" scrape "$P2" "$WORK/m2c.txt"
note "sminfo and a scrape took $(($(now_ms) - t0)) ms together"
# malformed, oversized, elsewhere, another method
status_of() { "$PY" - "$P2" "$1" <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode("latin-1"))
print((s.recv(100).split(b"\r\n")[0].split(b" ") + [b"", b""])[1].decode())
EOF
}
is "malformed request line: 400" "$(status_of 'GARBAGE\r\n\r\n')" 400
big=$("$PY" -c 'print("X-Big: " + "a" * 20000)')
code=$(status_of "GET /metrics HTTP/1.1\r\nHost: x\r\n$big\r\n\r\n")
check "a 20 kB header is refused (4xx: $code)" test "${code:0:1}" = 4
is "GET / (not /metrics): 404" "$(status_of 'GET / HTTP/1.0\r\n\r\n')" 404
code=$(status_of 'POST /metrics HTTP/1.0\r\nContent-Length: 0\r\n\r\n')
check "POST refused (4xx/5xx, not 200: $code)" test "$code" != 200 -a -n "$code"
wait "$slow"
note "half requests dropped after (s): $(cat "$WORK/slow.txt")"
check "every half request dropped within 8 s" \
	awk '{ for (i = 1; i <= NF; i++) if ($i > 8) late++ } END { exit NR != 1 || NF != 40 || late }' "$WORK/slow.txt"
check "after all that: a scrape parses" eval 'scrape $P2 $WORK/m2d.txt && parses $WORK/m2d.txt'
check "after all that: sminfo MASTER" sm_state_is node2 MASTER -D 0
check "both SMs still running" proc_alive "$PID1" "$PID2"
check "master's log: the metrics address" log_has "$LOG2" "metrics: http://127.0.0.1:$P2/metrics"

# --- the election's counters, seen from node1 -----------------------------------
# (the replug above may have moved mastership already: counted from here)
# got N NAME [LABEL=VALUE]: node1's sample, from a fresh scrape, is N.
got() { local n=$1; shift; scrape "$P1" "$WORK/e1.txt" && [ "$(mv_ "$WORK/e1.txt" "$@")" = "$n" ]; }
g1=$(port_guid node1) g2=$(port_guid node2)
scrape "$P1" "$WORK/e0.txt"
base() { mv_ "$WORK/e0.txt" "$@"; }
ts0=$(base smd_master_change_timestamp_seconds)
mc=$(base smd_master_changes_total) taken=$(base smd_handovers_total direction=taken)
given=$(base smd_handovers_total direction=given) fo=$(base smd_failovers_total)
note "node1 before: $mc master changes, handovers $taken taken and $given given, $fo failovers"
smd_stop "$PID2"
is "master exits 0 at SIGTERM" "$?" 0
must "node1 MASTER after the handover" wait_until 10 sm_state_is node1 MASTER -D 0
check "node1: smd_sm_state 3" wait_until 5 got 3 smd_sm_state
is "node1: one more handover taken" "$(mv_ "$WORK/e1.txt" smd_handovers_total direction=taken)" $((taken + 1))
is "node1: one more master change" "$(mv_ "$WORK/e1.txt" smd_master_changes_total)" $((mc + 1))
check "node1: smd_master_info is its own GUID" guid_eq "$(master_guid "$WORK/e1.txt")" "$g1"
check "node1: the change's time moved on" "$PY" -c \
	"import sys; sys.exit(not $(mv_ "$WORK/e1.txt" smd_master_change_timestamp_seconds) > $ts0)"
smd_start node2
PID2=$SMD_PID
must "node2 back: it gets the mastership" wait_until 30 elected node2 node1
check "node1: one more handover given" wait_until 5 got $((given + 1)) smd_handovers_total direction=given
is "node1: master changes +2" "$(mv_ "$WORK/e1.txt" smd_master_changes_total)" $((mc + 2))
check "node1: smd_master_info is node2 again" guid_eq "$(master_guid "$WORK/e1.txt")" "$g2"
is "node1: no failover meanwhile" "$(mv_ "$WORK/e1.txt" smd_failovers_total)" "$fo"
smd_stop "$PID2" KILL
must "node2 killed: node1 takes over" wait_until 30 sm_state_is node1 MASTER -D 0
check "node1: one more failover" wait_until 5 got $((fo + 1)) smd_failovers_total
is "node1: master changes +3" "$(mv_ "$WORK/e1.txt" smd_master_changes_total)" $((mc + 3))
smd_stop "$PID1"
is "node1 exits 0" "$?" 0

# --- 4. a fat-tree master -------------------------------------------------------
LEAVES=4 HOSTS=4 SPINES=2 PORTS=36
gen_net fattree gen-fattree.sh $LEAVES $HOSTS $SPINES $PORTS
nodes=$((LEAVES * HOSTS + LEAVES + SPINES))
sim_start "$NET"
P5=$(free_port)
metrics_conf h5 1 "$P5"
smd_start h5
must "fat-tree: every link Active" wait_until 30 fabric_all_active h5 "$NET_LINKS"
must "fat-tree: sminfo MASTER" wait_until 10 sm_state_is h5 MASTER -D 0
must "fat-tree: GET /metrics" wait_until 10 eval 'scrape $P5 $WORK/m5.txt && [ "$(mv_ $WORK/m5.txt smd_subnet_up)" = 1 ]'
check "fat-tree: parses" parses "$WORK/m5.txt"
sminfo_of h5 -D 0
is "fat-tree: smd_sm_state = sminfo state" "$(mv_ "$WORK/m5.txt" smd_sm_state)" "$SMI_STATE"
check "fat-tree: smd_master_info guid = sminfo's" guid_eq "$(master_guid "$WORK/m5.txt")" "$SMI_GUID"
is "fat-tree: smd_nodes = LID owners iblinkinfo finds" "$(mv_ "$WORK/m5.txt" smd_nodes)" "$FAB_NODES"
is "fat-tree: smd_switches" "$(mv_ "$WORK/m5.txt" smd_switches)" $((LEAVES + SPINES))
is "fat-tree: smd_ports_active = both ends of iblinkinfo's Active links" \
	"$(mv_ "$WORK/m5.txt" smd_ports_active)" $((2 * FAB_ACTIVE))
is "fat-tree: smd_ports_linked" "$(mv_ "$WORK/m5.txt" smd_ports_linked)" $((2 * FAB_LINKS))
check "fat-tree: LFT blocks written, at least one per switch" \
	test "$(mv_ "$WORK/m5.txt" smd_lft_blocks_written_total)" -ge $((LEAVES + SPINES))
is "fat-tree: no LFT Set failed" "$(mv_ "$WORK/m5.txt" smd_lft_block_writes_failed_total)" 0
check "fat-tree: MFT blocks written" test "$(mv_ "$WORK/m5.txt" smd_mft_blocks_written_total)" -ge 1
check "fat-tree: nodes in the text = $nodes" test "$FAB_NODES" -eq "$nodes"

done_testing
