#!/usr/bin/env bash
# sim.mkey: M_Key, checked at the seam between smd and the simulator.
# ibsim neither stores nor checks M_Key, so smd runs over mkeyshim
# (tests/tools/mkeyshim.c, preloaded in front of libumad2sim): it records
# every SMP smd sends and gives each port the M_Key a PortInfo Set wrote,
# checking every directed-route SMP against it as a port would (Sets with
# another key dropped; Gets answered, with M_Key read as 0 at protect bits
# 1, dropped at 2 and 3). On four hosts behind a switch, smd on node1 with
# m_key K, protect bits 1, lease 30:
#  - node2 starts protected by K at protect bits 2 (left by an earlier SM
#    with our key): configured and Active;
#  - node3 starts protected by another key at protect bits 1: its Sets are
#    dropped; smd names it once, "protected by an M_Key we do not have",
#    in its log and in smctl status; every other port comes up;
#  - node4 starts with another SM's key at protect bits 0 (what a lease run
#    out leaves: any Get reads the key): smd's Set carries that key, writes
#    K, and node4 comes up holding K;
#  - every other request smd sent carried K; every PortInfo Set wrote K,
#    protect bits 1 and lease 30;
#  - trap 256 (Bad M_Key) from node2's port: logged once, and answered by a
#    PortInfo Get with the key, LID-routed to that port (it stops the
#    port's lease);
#  - SMInfo from another node (smiget): without the M_Key, SM_Key 0; with
#    it, our SM_Key; an SMInfo Set without it gets no answer.
# Then smd again with protect bits 2: an SMInfo Get without the key gets
# no answer, one with it does; a second smd with the same file (node2)
# stands by and stays so: its polls carry the key.
# shellcheck disable=SC2016,SC2034 # checks are eval'd: they expand there
# shellcheck source=tests/sim/lib.sh
. "$(dirname "$0")/lib.sh"
smd_only

K=0x6d6b657973656372     # the subnet's M_Key
SMK=0x5eed5eed00000001   # our SM_Key
OTHER=0x0bad0bad0bad0bad # a key smd was not given
GONE=0x01d5a1d5a1d00001  # the key of an SM gone for longer than its lease

SHIM=${MKEYSHIM:-$(dirname "$SMD_BIN")/libmkeyshim.so}
SMIGET=${SMIGET:-$(dirname "$SMD_BIN")/smiget}
[ -f "$SHIM" ] || fail "no libmkeyshim.so at $SHIM (build it: cmake --build build)"
[ -x "$SMIGET" ] || fail "no smiget at $SMIGET (build it: cmake --build build)"
TRAPSEND=$(dirname "$SMD_BIN")/trapsend
[ -x "$TRAPSEND" ] || fail "no trapsend at $TRAPSEND (build it: cmake --build build)"

# smd over the shim: ASan's runtime first, then the shim, then libumad2sim.
preload_for "$SMD_BIN"
SMD_PRELOAD=${PRELOAD/$UMAD2SIM/$SHIM:$UMAD2SIM}
export MKEYSHIM_LOG=$WORK/mkeyshim.log
export MKEYSHIM_PORTS="0,1,2=$K:2:30;0,1,3=$OTHER:1:0;0,1,4=$GONE:0:0"

# smiget NODE DRPATH [MKEY [MOD SMKEY]]: SMInfo Get (Set) from NODE; GOT
# holds the answer; 1 when there was none.
smiget() {
	local node=$1; shift
	preload_for "$SMIGET"
	GOT=$(timeout -k 2 20 env LD_PRELOAD="$PRELOAD" SIM_HOST="$node" "$SMIGET" "$@" 2>&1)
}

sim_start "$SIM_FABRICS/quad.net"
smd_conf node1 "sm_key = $SMK" "m_key = $K" "m_key_protect_bits = 1" \
	"m_key_lease_period = 30" "sweep_interval = 2" >/dev/null
smd_start node1
must "node2 (protected by our key) Active" wait_until 20 port_is node2 0 1 Active
must "node4 (another SM's key, protect bits 0) Active" wait_until 10 port_is node4 0 1 Active
check "smd says it took node4 over" log_has "$SMD_LOG" \
	"node4 .*held another SM's M_Key at protect bits 0 .*taken over, it now holds ours"
check "node1 Active" port_is node1 0 1 Active
must "node3 named: protected by an M_Key we do not have" \
	wait_until 20 log_has "$SMD_LOG" "node3.*protected by an M_Key we do not have"
check "node3 not Active (its Sets were dropped)" eval '! port_is node3 0 1 Active'
check "smctl status names node3" wait_until 5 eval 'smctl node1 status | grep -q "trouble .*node3.*protected by an M_Key we do not have"'
ST=$(smctl node1 status; smctl node1 status --json)
check "smctl status: M_Key set, protect bits 1, lease 30" eval \
	'grep -q "^M_Key       set (not shown), protect bits 1, lease 30 s$" <<<"$ST"'
check "smctl status --json: m_key set" eval 'grep -q "\"m_key\":\"set\",\"m_key_protect_bits\":1" <<<"$ST"'
check "smctl never shows the key" eval '! grep -qi "${K#0x}" <<<"$ST"'
check "nor does smd's log (the shim's own lines aside)" eval \
	'! grep -v "^mkeyshim: " "$SMD_LOG" | grep -qi "${K#0x}"'
sleep 4  # two more sweep intervals: still named once
is "named once" "$(log_count "$SMD_LOG" 'protected by an M_Key we do not have .*, not configured; serving')" 1

R=$MKEYSHIM_LOG
nreq=$(log_count "$R" '^send req ')
note "$nreq requests recorded, $(log_count "$R" '^send req .*attr=0x0015 .*pi_mkey') PortInfo Sets"
check "requests recorded ($nreq)" test "$nreq" -gt 50
is "requests without our M_Key, but for node4's takeover" \
	"$(grep '^send req ' "$R" | grep -v "mkey=$K" | grep -vc "^send req method=0x02 attr=0x0015 .* path=0,1,4 mkey=$GONE ")" 0
check "node4's takeover Set: its old key in the header, ours in PortInfo" log_has "$R" \
	"^send req method=0x02 attr=0x0015 .* path=0,1,4 mkey=$GONE pi_mkey=$K prot=1 lease=30"
check "node4 holds our key: nothing of ours dropped there" eval '! grep -q "^drop .*path=0,1,4 " "$R"'
check "the own-port watch's reads carry it too" log_has "$R" \
	"^send req method=0x01 attr=0x0015 .* path=0 mkey=$K"
npi=$(log_count "$R" '^send req method=0x02 attr=0x0015 ')
check "PortInfo Sets recorded ($npi)" test "$npi" -ge 6
is "PortInfo Sets not writing key, protect bits 1, lease 30" \
	"$(grep '^send req method=0x02 attr=0x0015 ' "$R" | grep -vc "pi_mkey=$K prot=1 lease=30")" 0
check "node2's Sets reached it (no drop)" eval '! grep -q "^drop .*path=0,1,2 " "$R"'
check "node3's Sets were dropped by its port" log_has "$R" '^drop Set attr=0x0015 path=0,1,3 '
check "node3's M_Key read as 0 (protect bits 1)" log_has "$R" '^hide path=0,1,3 '

# trap 256 from node2's port (sent by trapsend on node4, as if node2's
# port had refused node4's PortInfo Set)
L2=$(port_lid node2 0 1)
L4=$(port_lid node4 0 1)
preload_for "$TRAPSEND"
must "3 traps 256 sent" timeout -k 2 20 env LD_PRELOAD="$PRELOAD" SIM_HOST=node4 "$TRAPSEND" 3 20 256 "$L2"
check "smd names it" wait_until 5 log_has "$SMD_LOG" \
	"bad M_Key: the port at LID $L2 refused a request \(method 0x02, attribute 0x0015\) from LID $L4 "
is "... once" "$(log_count "$SMD_LOG" "bad M_Key: the port at LID $L2 ")" 1
check "and renews node2's lease: a PortInfo Get with our key to LID $L2" wait_until 5 \
	log_has "$R" "^send req method=0x01 attr=0x0015 mod=0x00000000 lid=$L2 mkey=$K"

# SMInfo from node4 (its route to node1: out of node4, in at the switch, port 1)
must "SMInfo Get without the M_Key answered" smiget node4 0,1,1
note "without: $GOT"
check "... MASTER, SM_Key 0" eval '[[ $GOT == "state 3 "*" key 0x0000000000000000" ]]'
smiget node4 0,1,1 "$K"
note "with: $GOT"
check "... MASTER, our SM_Key" eval '[[ $GOT == "state 3 "*" key $SMK" ]]'
check "SMInfo Set (DISABLE) without the M_Key: no answer" eval \
	'! smiget node4 0,1,1 0 3 "$SMK"'
check "smd logs the dropped Set" wait_until 5 log_has "$SMD_LOG" \
	"dropping an SMInfo Set from LID .*: it does not carry our M_Key"
check "still MASTER" sm_state_is node4 MASTER -D 0,1,1
smd_stop "$SMD_PID"

# protect bits 2: a Get without the key is not answered at all; a standby
# smd with the same file polls the master with the key (were its polls
# dropped, it would take the master for gone and take over)
export MKEYSHIM_PORTS="" MKEYSHIM_LOG=$WORK/mkeyshim-pair.log
smd_conf node1 "sm_key = $SMK" "m_key = $K" "m_key_protect_bits = 2" >/dev/null
smd_start node1
P1=$SMD_PID
must "smd MASTER again" wait_until 20 eval 'smiget node4 0,1,1 "$K" && [[ $GOT == "state 3 "* ]]'
check "protect bits 2: SMInfo Get without the M_Key not answered" eval '! smiget node4 0,1,1'
smiget node4 0,1,1 "$K"
is "... and answered with it: our SM_Key" "${GOT##* }" "$SMK"
smd_conf node2 "sm_key = $SMK" "m_key = $K" "m_key_protect_bits = 2" >/dev/null
smd_start node2
P2=$SMD_PID L2LOG=$SMD_LOG
must "smd on node2 STANDBY" wait_until 20 eval 'smiget node4 0,1,2 "$K" && [[ $GOT == "state 2 "* ]]'
check "... and stays so for 5 s" holds 5 eval 'smiget node4 0,1,2 "$K" && [[ $GOT == "state 2 "* ]]'
check "node1 still MASTER" eval 'smiget node4 0,1,1 "$K" && [[ $GOT == "state 3 "* ]]'
check "node2 never entered MASTER" eval '! log_has "$L2LOG" "entering MASTER"'
R=$MKEYSHIM_LOG
check "SMInfo Gets (polls) were sent" log_has "$R" "^send req method=0x01 attr=0x0020 .*mkey=$K"
is "requests of either SM without the key" "$(grep '^send req ' "$R" | grep -vc "mkey=$K")" 0
smd_stop "$P2"
smd_stop "$P1"

done_testing
