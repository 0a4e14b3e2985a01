#!/usr/bin/env bash
# sim.lie: a fabric that lies (issue 16). smd runs over kumad, whose
# KUMAD_LIE rules change SMP responses before smd sees them, on the fat-tree
# (4 leaves x 4 hosts, 2 spines) from h0, with the LIDs of a clean run kept
# in its state file:
#  1. h1 answers NodeInfo with NumPorts 0, h2 with NumPorts 255, h3 with
#     LocalPortNum 5 of 1 port, leaf2 SwitchInfo with LinearFDBCap 0, leaf3
#     with LinearFDBCap 0xffff, h6 PortInfo with PortState 7, h5 not at all
#     (its NodeInfo responses dropped: the sends time out), h7 answers its
#     PortInfo Sets (only) with PortState 7. Each lie is named
#     once in the log (several sweeps later) and in smctl status, counted
#     (malformed_replies); the other hosts and every switch are Active with
#     the LIDs of the clean run, no LID twice, routes through the lying
#     switches work (LID-routed SMPs, a PathRecord), smd runs.
#  2. h9's GUID changes between sweeps (ibsim console Guid; its port GUID
#     follows): a new port to smd, which keeps the LID the port holds (LIDs
#     found on ports are kept, README "Election") and says "1 node gone, 1
#     node joined" once; h9 Active with a LID nobody else holds, the others
#     unchanged. (Its old GUID lost that LID in the map: step 3 does not
#     compare h9.)
#  3. every response held 0-120 ms (KUMAD_DELAY_MS; [mad] timeout 100): late,
#     out of order, some past their timeout and dropped as the kernel does:
#     every link Active, the clean run's LIDs.
# shellcheck source=tests/sim/lib.sh
. "$(dirname "$0")/lib.sh"
smd_only

gen_net fattree gen-fattree.sh 4 4 2 36
# directed routes from h0: leaf0 0,1; its host k 0,1,k+1; spine s 0,1,5+s;
# leaf L>0 0,1,5,L+1 (or through spine1: 0,1,6,L+1); its host j 0,1,5,L+1,j+1
hosts=(h0 h1 h2 h3 h4 h5 h6 h7 h8 h9 h10 h11 h12 h13 h14 h15)
declare -A sw_path=([leaf0]=0,1 [spine0]=0,1,5 [spine1]=0,1,6 [leaf1]=0,1,5,2 [leaf2]=0,1,5,3
	[leaf3]=0,1,5,4)
lid_of() { if [ -n "${sw_path[$1]:-}" ]; then port_lid h0 "${sw_path[$1]}" 0; else port_lid "$1" 0 1; fi; }

note "a clean run: the LIDs every lie must leave alone"
sim_start "$NET"
smd_conf h0 "sweep_interval = 2" >/dev/null
must "clean run: every port Active" smd_run h0 --once
declare -A lid0
for n in "${hosts[@]}" "${!sw_path[@]}"; do lid0[$n]=$(lid_of "$n"); done

note "1. lies, on a fresh fabric"
sim_start "$NET"
export SMD_UMAD=kumad
both() { echo "$1@0,1,5,$2:$3;$1@0,1,6,$2:$3"; }   # a leaf>0's, by either spine
KUMAD_LIE="0011@0,1,2:3=00;0011@0,1,3:3=ff;0011@0,1,4:36=05"
KUMAD_LIE+=";$(both 0012 3 0=0000);$(both 0012 4 0=ffff)"
KUMAD_LIE+=";$(both 0015.1 2,3 32=17);$(both 0011 2,2 drop);$(both 0015.1/set 2,4 32=17)"
export KUMAD_LIE
smd_start h0
pid=$SMD_PID
unset KUMAD_LIE
liars=(h1 h2 h3 h5 h6)
untouched=(h0 h4 h8 h9 h10 h11 h12 h13 h14 h15)
must "h15 (behind leaf3) Active" wait_until 30 port_is h15 0 1 Active
sleep 6    # sweeps: back-off re-sweeps, light sweeps every 2 s
declare -A said=(
	["h1: NumPorts 0"]="answers NodeInfo with NumPorts 0: left out"
	["h2: NumPorts 255"]="answers NodeInfo with NumPorts 255: left out"
	["h3: LocalPortNum 5"]="answers NodeInfo with LocalPortNum 5 of 1 ports: left out"
	["leaf2: LinearFDBCap 0"]="SwitchInfo says LinearFDBCap 0: ignored"
	["leaf3: LinearFDBCap 65535"]="SwitchInfo says LinearFDBCap 65535: ignored"
	["h6: PortState 7"]="its PortInfo says PortState 7: not believed"
	["h5: silent"]="leaf1 port 2 .*does not answer"
	["h7: replies to Sets with PortState 7"]="warn: h7 HCA-1 port 1 .*its PortInfo reply says PortState 7: not believed"
)
for k in "${!said[@]}"; do
	is "$k: named once" "$(log_count "$SMD_LOG" "${said[$k]}")" 1
done
check "several sweeps ran meanwhile" test "$(log_count "$SMD_LOG" 'sweep: [0-9]+ SMPs')" -ge 2
check "smd alive" proc_alive "$pid"
smctl h0 status >"$WORK/status.txt"
smctl h0 status --json >"$WORK/status.json"
check "smctl status names the lies" grep -q "NumPorts 255: left out" "$WORK/status.txt"
bad=$(sed -n 's/.*"malformed_replies":\([0-9]*\).*/\1/p' "$WORK/status.json")
note "malformed replies counted: $bad"
check "counted: at least the 7 lies of one sweep ($bad)" test "${bad:-0}" -ge 7
for n in "${untouched[@]}"; do
	check "$n Active" port_is "$n" 0 1 Active
done
for n in "${untouched[@]}" "${!sw_path[@]}"; do
	is "$n keeps its LID" "$(lid_of "$n")" "${lid0[$n]}"
done
for n in "${liars[@]}"; do
	l=$(port_lid "$n" 0 1)
	check "$n (lying) left out: not Active, no LID given ($l)" \
		eval "! port_is $n 0 1 Active && [ '$l' = 0 ]"
done
must "fabric scan from h0" fabric_scan h0
is "no LID twice" "$FAB_LIDDUP" ""
for n in h10 h15; do
	check "LID-routed NodeInfo h0 -> $n (through leaf2/leaf3's tables)" \
		diag h0 smpquery nodeinfo "${lid0[$n]}"
done
must "PathRecord h0 -> h14" sac h0 path "$(port_gid6 h14)"
is "path status" "$(sac_f status)" 0x0000
is "path DLID" "$(sac_f dlid)" "${lid0[h14]}"

note "2. h9 changes its GUID between sweeps"
g9=$(node_field h9 0 Guid)
sim_console "Guid \"h9\" 0x00000000deadbe09"
must "h9 answers with its new GUID" wait_until 10 eval '[ "$(node_field h9 0 Guid)" != "$g9" ]'
must "smctl sweep" smctl h0 sweep
# the forced sweep writes only blocks that differ (the audit reads them
# first): with h9 keeping its LID no table changes, so its new GUID shows
# in the LID map, not in a re-route line
must "smd records h9's new port GUID" \
	wait_until 20 eval 'smctl h0 lids | grep -qi "0x00000000deadbe0a"'
must "h9 Active" wait_until 20 port_is h9 0 1 Active
sleep 3
l9=$(port_lid h9 0 1)
note "h9: LID ${lid0[h9]} -> $l9"
check "h9 has a LID" test "${l9:-0}" -gt 0
must "fabric scan from h0" fabric_scan h0
is "no LID twice" "$FAB_LIDDUP" ""
for n in h0 h4 h8 h10 h15 leaf2 spine1; do
	is "$n keeps its LID" "$(lid_of "$n")" "${lid0[$n]}"
done
is "the change logged once" "$(log_count "$SMD_LOG" '1 node gone, 1 node joined \(first: node h9')" 1
check "smd alive" proc_alive "$pid"
smd_stop "$pid"

note "3. every response late, out of order, some past their timeout"
sim_start "$NET"
smd_conf h0 "sweep_interval = 2" >/dev/null
sed -i 's/^\[log\]/[mad]\ntimeout = 100\n\n[log]/' "$WORK/smd-h0.conf"
KUMAD_DELAY_MS=0:120 smd_start h0
pid=$SMD_PID
must "every link Active" wait_until 40 fabric_all_active h0 "$NET_LINKS"
check "some responses came too late" wait_until 10 log_has "$SMD_LOG" "kumad: response TID 0x[0-9a-f]+ matches no waiting send"
for n in "${hosts[@]}" "${!sw_path[@]}"; do
	[ "$n" = h9 ] && continue
	is "$n: the clean run's LID" "$(lid_of "$n")" "${lid0[$n]}"
done
check "smd alive" proc_alive "$pid"
smd_stop "$pid"

done_testing
