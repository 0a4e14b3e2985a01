#!/usr/bin/env bash
# tests/bench/events.sh -- what a running SM does when the fabric changes,
# smd next to OpenSM, same machine, same run. For each fabric, smd (a daemon
# on h0, its defaults, log level info) and then OpenSM (a daemon on h0, its
# defaults: an empty options file; log options -D 0x07 -d2, see below) each
# get a fresh ibsim of the fabric. Once the subnet is up and lftcheck finds
# every pair routed over Active links, every LFT entry of every switch is
# read by SMP (lftcheck -A: LID 1 to LinearFDBTop), then, one after the
# other:
#   a. one host's cable pulled (ibsim console: Unlink "hN"[1]), a host in the
#      middle of the fabric (common.sh: FAB_HOST);
#   b. that cable put back (ReLink), the host brought to Active again;
#   c. one leaf-to-spine cable pulled (Unlink on the leaf's port), a leaf and
#      a spine in the middle, neither leaf0 nor spine0 (FAB_LEAF, FAB_UPPORT;
#      on a three-level fat-tree a leaf-to-aggregation cable);
#   d. that cable put back.
# ibsim sends trap 128 from the switch at each end of the cable for each.
# After each event the script waits until the SM has settled: at least one
# re-route logged since the event (smd: a "routing: " line; OpenSM: "SUBNET
# UP"), then lftcheck finds every pair routed, every link Active and the
# expected number of links, with no re-route logged while it read (it reads
# BENCH_QUIET_S, default 1, seconds after the last look at the log, and
# again until that holds). Then every entry is read again and compared with
# the reading before the event. Figures per event:
#   - LFT entries of other LIDs changed: entries (switch, LID) whose port
#     changed, the pulled host's own LID left out (a, b); on c and d every
#     LID counts, so it equals the next figure;
#   - LFT entries changed, all LIDs (an entry past a switch's LinearFDBTop
#     counts as 255, unrouted);
#   - LFT blocks changed: distinct (switch, LID / 64) among the changed
#     entries, the most on one switch and the total: what the SM had to
#     write at least;
#   - event to tables written (ms): from the moment the script sends the
#     console command (date +%s%N, taken just before) to the SM's log line
#     saying every LFT Set of its re-route is answered. Of several re-routes
#     since the event, the last one that wrote blocks (smd says how many;
#     OpenSM does not: its last one):
#       smd: "routing: <why>: E entries on S switches re-routed, B LFT
#       blocks written in T ms" (or "routing: <why>: B LFT blocks written in
#       T ms"), logged once the Sets are answered. An smd that does not log
#       that line yet gives its "routing: <engine> for N LIDs ... LFT blocks
#       to write" line instead, logged when the routing is computed and the
#       Sets are sent, not answered: a lower bound, and the line under the
#       table says so. smd's timestamps: local time, ms;
#       OpenSM: the box "SWITCHES CONFIGURED FOR UNICAST" (osm_state_mgr.c,
#       do_sweep(): logged after the wait_for_pending_transactions() that
#       follows osm_ucast_mgr_process()'s LFT Sets, i.e. every Set
#       answered; µs timestamps). It is logged at VERBOSE (0x04), hence
#       -D 0x07 (ERROR, INFO, VERBOSE; the default is 0x03). OpenSM flushes
#       its log only for errors, so -d2 (force log flush) lets the script see
#       a sweep's lines as they are logged. Neither slows it measurably: on
#       the 8,384-node fat-tree, --once bring-ups at 0x03, 0x07, 0x07 -d2 and
#       0x03 -d2 took 4.0-4.6, 4.1-4.3, 3.4-4.6 and 3.7-4.2 s to SUBNET UP
#       (three runs each, interleaved). At the default level the only line
#       after the LFT Sets is "SUBNET UP", which comes after the multicast
#       tables, the port states and, at VERBOSE, a port report on stdout;
#       its time is given under the table. BENCH_OSM_LOG=0x03 runs OpenSM
#       at its default level: this row then gives "-";
#   - event to routing done, Sets sent (ms): the same re-route's line saying
#     the routing is computed and the Sets handed out: smd's "routing:
#     <engine> for N LIDs ..." line; OpenSM's "<engine> tables configured on
#     all switches" (INFO, osm_ucast_mgr_process(), logged once its Sets are
#     queued): like for like with an smd that has no "LFT blocks written";
#   - re-routes since the event (smd: "routing: <engine> for" lines and
#     "LFT blocks written" lines without one before them; OpenSM: heavy
#     sweeps that reached the unicast tables), each listed under the table
#     as "+routing done/+tables written" in ms from the event;
#   - smd's own count of LFT blocks written (its re-route lines since the
#     event: "B LFT blocks written", else "N LFT blocks to write"); OpenSM
#     logs no such count at these levels: "-";
#   - CPU time of the SM (user+sys, all threads, from /proc) from the event
#     to settled (its light sweeps in that time included; lftcheck's SMPs
#     are answered by ibsim, not by the SM).
# Also per SM: the time from its start to "subnet up" in its log, its peak
# RSS (VmHWM) once settled after bring-up and at the end, and, after d, how
# many entries differ from the reading after bring-up (routes that stayed
# where the cable loss moved them count). Under the table, per event: when
# smd's sweep began ("sweep: ..." or "heavy sweep: ..."), the routing's own
# time from its "routing: ... in T ms" lines, and OpenSM's "SUBNET UP".
# Not a CTest test: it prints figures, it does not judge them.
#   cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release && cmake --build build-rel
#   SMD_BIN=$PWD/build-rel/smd bash tests/bench/events.sh [FABRIC...]
# FABRIC: the fat-trees of tests/bench/common.sh; default fattree-128x64
# (8,384 nodes: about 2 minutes); fattree-4x4 or fattree3-4x4x8 for a quick
# run (20 s).
# BENCH_SMS="smd" (or "osm") runs only that SM. LFTCHECK defaults to the one
# next to SMD_BIN. Bounds, not targets: the wait for bring-up or for one
# event to settle (BENCH_SETTLE_S, default 300), the life of an ibsim and of
# an SM (SIM_MAX_LIFE, SMD_MAX_LIFE, default 3600 s).
SIM_MAX_LIFE=${SIM_MAX_LIFE:-3600}
SMD_MAX_LIFE=${SMD_MAX_LIFE:-3600}
# shellcheck source=tests/bench/common.sh
. "$(dirname "$0")/common.sh"

SETTLE_S=${BENCH_SETTLE_S:-300}
QUIET_S=${BENCH_QUIET_S:-1}
OSM_LEVEL=${BENCH_OSM_LOG:-0x07}
command -v opensm >/dev/null || fail "opensm not found: run scripts/deps.sh"
need_smd
need_lftcheck
SMD_LOG_LEVEL=info

# --- reading the fabric ---------------------------------------------------

# read_lfts FILE EXPECT_LINKS: lftcheck -A from h0 into FILE.txt, its
# entries as sorted "guid:LID port" lines (a key join(1) can compare) into
# FILE; true when every pair is routed, every link Active and there are
# EXPECT_LINKS links.
read_lfts() {
	local f=$1 want=$2 sum links active rc
	timeout -k 2 "$SETTLE_S" env LD_PRELOAD="$LFT_PRELOAD" SIM_HOST=h0 "$LFTCHECK" -A \
		>"$f.txt" 2>&1
	rc=$?
	sum=$(grep '^lftcheck: switches' "$f.txt")
	links=$(awk '{ for (i = 1; i < NF; i++) if ($i == "links") print $(i + 1) }' <<<"$sum")
	active=$(awk '{ for (i = 1; i < NF; i++) if ($i == "active") print $(i + 1) }' <<<"$sum")
	LAST_CHECK=${sum#lftcheck: }
	[ "$rc" -eq 0 ] && [ "$links" = "$want" ] && [ "$active" = "$want" ] || return 1
	awk '/^lft / { printf "%s:%05d %s\n", $2, $3, $4 }' "$f.txt" | LC_ALL=C sort >"$f"
	rm -f "$f.txt"
}

# compare BEFORE AFTER LID: sets CMP_OTHER (entries of LIDs other than LID
# that changed), CMP_ALL, CMP_BMAX (changed blocks on the switch with the
# most), CMP_BTOTAL.
compare() {
	local out
	out=$(LC_ALL=C join -a 1 -a 2 -e 255 -o 0,1.2,2.2 "$1" "$2" | awk -v x="${3:-0}" '
		$2 != $3 {
			split($1, k, ":"); lid = k[2] + 0
			all++
			if (lid != x) other++
			if (!((k[1], int(lid / 64)) in blk)) { blk[k[1], int(lid / 64)] = 1; per[k[1]]++; nb++ }
		}
		END { for (s in per) if (per[s] > max) max = per[s]
			printf "%d %d %d %d\n", other, all, max, nb }')
	read -r CMP_OTHER CMP_ALL CMP_BMAX CMP_BTOTAL <<<"$out"
}

# --- the SM's log -----------------------------------------------------------

# The SM under test: SM (smd or osm), SM_PID, SM_LOGF (its log file).

# reroutes FROM: the re-routes logged past byte FROM of the log, one line
# each: "PLAN WRITTEN BLOCKS", the epoch times in µs of its line saying the
# routing is computed and the LFT Sets sent (PLAN) and of its line saying
# they are all answered (WRITTEN), "-" for a line the log does not have,
# and the LFT blocks it wrote ("-": not in the log):
#   smd: a "routing: " line (PLAN, "N LFT blocks to write") and the line
#   with "LFT blocks written" (WRITTEN, "B LFT blocks written"), which
#   completes the re-route before it or stands alone;
#   OpenSM: "<engine> tables configured on all switches" (INFO, logged by
#   osm_ucast_mgr_process() once the Sets are queued) and the box "SWITCHES
#   CONFIGURED FOR UNICAST" (VERBOSE, see the top).
reroutes() {
	if [ "$SM" = smd ]; then
		tail -c +"$(($1 + 1))" "$SM_LOGF" | awk '
			/LFT blocks written/ { if (!n || wr[n] != "-") { n++; pl[n] = "-" }
				wr[n] = $1
				match($0, /[0-9]+ LFT blocks written/); b[n] = substr($0, RSTART, RLENGTH) + 0
				next }
			/ routing: [a-z]+ for [0-9]+ LIDs / { n++; pl[n] = $1; wr[n] = "-"; b[n] = "-"
				if (match($0, /[0-9]+ LFT blocks to write/)) b[n] = substr($0, RSTART, RLENGTH) + 0 }
			END { for (i = 1; i <= n; i++) print pl[i] "|" wr[i] "|" b[i] }'
	else
		tail -c +"$(($1 + 1))" "$SM_LOGF" | awk '
			/^[A-Z][a-z][a-z] +[0-9]+ [0-9:]+ [0-9]+ / { ts = $1 " " $2 " " $3 " " $4 }
			/ tables configured on all switches/ { n++; pl[n] = ts; wr[n] = "-" }
			/SWITCHES CONFIGURED FOR UNICAST/ { if (!n || wr[n] != "-") { n++; pl[n] = "-" }
				wr[n] = ts }
			END { for (i = 1; i <= n; i++) print pl[i] "|" wr[i] "|-" }'
	fi | while IFS='|' read -r pl wr b; do
		echo "$(log_us "$pl") $(log_us "$wr") $b"
	done
}

# log_us TIMESTAMP: a timestamp of the SM's log in epoch µs ("-" stays).
log_us() {
	if [ "$1" = - ]; then
		echo -
	elif [ "$SM" = smd ]; then
		echo $(($(smd_epoch_ms "$1") * 1000))
	else
		osm_epoch_us "$1"
	fi
}

# sweeps_done FROM: SWEEPS = how many re-routes (smd: "routing: " lines) or finished
# heavy sweeps (OpenSM: "SUBNET UP", logged at every level) past byte FROM.
# OpenSM's log grows by megabytes a sweep at -D 0x07: only what was added
# since the last call is read (SCAN_FROM, SCAN_OFF, SCAN_N), up to its last
# whole line, so that polling costs the SMs little CPU.
sweeps_done() {
	local re=' routing: ' size out
	[ "$SM" = smd ] || re='-> SUBNET UP$'
	if [ "${SCAN_FROM:-}" != "$1" ]; then
		SCAN_FROM=$1 SCAN_OFF=$1 SCAN_N=0
	fi
	local whole=0
	size=$(log_size)
	if [ "$size" -gt "$SCAN_OFF" ]; then
		# the last line counts once its newline is written
		[ -z "$(tail -c +"$size" "$SM_LOGF" | head -c 1 | tr -d '\n')" ] && whole=1
		out=$(tail -c +"$((SCAN_OFF + 1))" "$SM_LOGF" | head -c "$((size - SCAN_OFF))" |
			LC_ALL=C awk -v re="$re" -v whole="$whole" '{ if (NR > 1) { bytes += plen; n += pm }
				plen = length($0) + 1; pm = ($0 ~ re) }
				END { if (NR && whole) { bytes += plen; n += pm }
					printf "%d %d\n", bytes, n }')
		SCAN_OFF=$((SCAN_OFF + ${out% *}))
		SCAN_N=$((SCAN_N + ${out#* }))
	fi
	SWEEPS=$SCAN_N
}

# subnet_up_us FROM: OpenSM's "SUBNET UP" lines past byte FROM, epoch µs.
subnet_up_us() {
	tail -c +"$(($1 + 1))" "$SM_LOGF" | grep -- '-> SUBNET UP$' |
		while read -r l; do osm_epoch_us "$l"; done
}

log_size() { stat -c %s "$SM_LOGF" 2>/dev/null || echo 0; }
sm_cpu_ms() { echo $(($(cpu_ns "$SM_PID") / 1000000)); }
sm_hwm() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/"$SM_PID"/status; }

# settle FROM FILE LINKS: wait until the SM logged a re-route past byte FROM,
# then until read_lfts FILE LINKS holds with no re-route logged while it read.
settle() {
	local from=$1 f=$2 want=$3 end=$((SECONDS + SETTLE_S)) c1
	until sweeps_done "$from" && [ "$SWEEPS" -gt 0 ]; do
		[ "$SECONDS" -lt "$end" ] || { note "$SM: no re-route within $SETTLE_S s"; return 1; }
		proc_alive "$SM_PID" || fail "$SM exited (log $SM_LOGF)"
		sleep 0.1
	done
	while :; do
		sweeps_done "$from"
		c1=$SWEEPS
		sleep "$QUIET_S"
		if read_lfts "$f" "$want"; then
			sweeps_done "$from"
			[ "$c1" != "$SWEEPS" ] || return 0
		fi
		[ "$SECONDS" -lt "$end" ] || { note "$SM: not settled within $SETTLE_S s: $LAST_CHECK"; return 1; }
		proc_alive "$SM_PID" || fail "$SM exited (log $SM_LOGF)"
	done
}

# --- one SM on one fabric -----------------------------------------------------

# us_to_ms FROM_NS TO_US: the ms between them, one decimal.
us_to_ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", (b - a / 1000) / 1000 }'; }

# event KEY DESC CMD BEFORE AFTER LINKS EXCL: send CMD to ibsim's console, wait
# until settled, read the tables into AFTER, compare with BEFORE; figures
# into R[KEY.*].
event() {
	local key=$1 desc=$2 cmd=$3 before=$4 after=$5 want=$6 excl=$7
	local from t_ns c0 lines last blocks pl wr
	note "$SM: $desc"
	from=$(log_size)
	c0=$(sm_cpu_ms)
	t_ns=$(date +%s%N)
	sim_console "$cmd"
	if ! settle "$from" "$after" "$want"; then
		R[$key.settled]=no
		return 1
	fi
	R[$key.cpu]=$(($(sm_cpu_ms) - c0))
	note "$SM: settled $(awk -v a="$t_ns" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }') s after the event"
	compare "$before" "$after" "$excl"
	R[$key.other]=$CMP_OTHER R[$key.all]=$CMP_ALL
	R[$key.bmax]=$CMP_BMAX R[$key.btotal]=$CMP_BTOTAL
	lines=$(reroutes "$from")
	R[$key.reroutes]=$(grep -c . <<<"$lines")
	# the last re-route that wrote blocks (smd says how many), else the last
	last=$(awk '$3 ~ /^[0-9]+$/ && $3 > 0 { w = $0 } { l = $0 } END { print (w != "" ? w : l) }' <<<"$lines")
	read -r pl wr _ <<<"$last"
	[ "${pl:--}" = - ] || R[$key.planned]=$(us_to_ms "$t_ns" "$pl")
	if [ "${wr:--}" != - ]; then
		R[$key.written]=$(us_to_ms "$t_ns" "$wr")
		R[$key.written_how]="LFT blocks written"
	elif [ "$SM" = smd ] && [ -n "${R[$key.planned]:-}" ]; then
		# no "LFT blocks written" line in this smd's log yet
		R[$key.written]=${R[$key.planned]}
		R[$key.written_how]="no 'LFT blocks written' line: routing computed, Sets sent"
	fi
	R[$key.times]=$(while read -r p w _; do
		[ -n "$p" ] || continue
		[ "$p" = - ] || p=+$(us_to_ms "$t_ns" "$p")
		[ "$w" = - ] || w=+$(us_to_ms "$t_ns" "$w")
		printf '%s/%s ' "$p" "$w"
	done <<<"$lines")
	if [ "$SM" = smd ]; then
		# what the re-routes were made of: the sweep's start, the routing
		# computation ("routing: ... in T ms")
		local hs
		hs=$(tail -c +"$((from + 1))" "$SM_LOGF" | grep -m 1 -E ' (heavy )?sweep: ' | awk '{ print $1 }')
		[ -z "$hs" ] || R[$key.sweep]=$(us_to_ms "$t_ns" "$(($(smd_epoch_ms "$hs") * 1000))")
		R[$key.rtms]=$(tail -c +"$((from + 1))" "$SM_LOGF" | grep -E ' routing: [a-z]+ for [0-9]+ LIDs ' |
			sed -n 's/.* in \([0-9.]*\) ms.*/\1/p' | tr '\n' ' ')
		blocks=$(awk '$3 != "-" { b += $3; n++ } END { if (n) print b; else print "-" }' <<<"$lines")
		R[$key.smdblocks]=$blocks
	else
		R[$key.up]=$(subnet_up_us "$from" | while read -r us; do printf '+%s ' "$(us_to_ms "$t_ns" "$us")"; done)
	fi
	R[$key.settled]=yes
}

# run_sm SM NAME: SM (smd or osm) as a daemon on a fresh ibsim of fabric
# NAME, the four events; figures into R[NAME.SM.*].
run_sm() {
	local name=$1.$2 d=$WORK/lft-$1-$2 t0 start from hlid
	SM=$2
	sim_start "$NET" "${FAB_SIMARGS[@]}"
	t0=$(now_ms)
	if [ "$SM" = smd ]; then
		SM_STATE_DIR=$WORK/state-$1 smd_conf h0 >/dev/null
		smd_start h0
		SM_PID=$SMD_PID SM_LOGF=$SMD_LOG
	else
		: >"$WORK/opensm.conf"  # OpenSM's own defaults
		SM_LOGF=$WORK/opensm-h0.log
		rm -f "$SM_LOGF"
		SM_STATE_DIR=$WORK/osm-cache-$1 osm_start h0 -D "$OSM_LEVEL" -d2
		SM_PID=$OSM_PID
	fi
	from=0
	note "$SM: waiting for the subnet to come up"
	settle "$from" "$d.0" "$NET_LINKS" || fail "$SM: the subnet did not come up on $1"
	if [ "$SM" = smd ]; then
		start=$(grep -m 1 ' subnet up: ' "$SM_LOGF" | awk '{ print $1 }')
		[ -z "$start" ] || R[$name.up]=$(($(smd_epoch_ms "$start") - t0))
	else
		start=$(subnet_up_us 0 | head -n 1)
		[ -z "$start" ] || R[$name.up]=$(us_to_ms "$((t0 * 1000000))" "$start")
	fi
	R[$name.hwm0]=$(sm_hwm)
	hlid=$(port_lid "$FAB_HOST" 0 1)
	R[$name.hlid]=$hlid
	event "$name.a" "a. $FAB_HOST's cable pulled" "Unlink \"$FAB_HOST\"[1]" \
		"$d.0" "$d.a" $((NET_LINKS - 1)) "$hlid"
	event "$name.b" "b. $FAB_HOST's cable put back" "ReLink \"$FAB_HOST\"[1]" \
		"$d.a" "$d.b" "$NET_LINKS" "$hlid"
	R[$name.hlid_b]=$(port_lid "$FAB_HOST" 0 1)
	event "$name.c" "c. $FAB_UPDESC pulled" "Unlink \"$FAB_LEAF\"[$FAB_UPPORT]" \
		"$d.b" "$d.c" $((NET_LINKS - 1)) 0
	event "$name.d" "d. $FAB_UPDESC put back" "ReLink \"$FAB_LEAF\"[$FAB_UPPORT]" \
		"$d.c" "$d.d" "$NET_LINKS" 0
	if [ -f "$d.d" ]; then
		compare "$d.0" "$d.d" 0
		R[$name.drift]=$CMP_ALL
	fi
	R[$name.hwm]=$(sm_hwm)
	proc_stop "$SM_PID"
	R[$name.rc]=$?
	[ "$SM" = smd ] || mv "$SM_LOGF" "$WORK/opensm-$1.log"
	sim_stop
}

# --- the table ----------------------------------------------------------------

row() {
	local name=$1 label=$2 key=$3
	printf '| %-46s | %9s | %9s | %6s |\n' "$label" "${R[$name.smd.$key]:--}" \
		"${R[$name.osm.$key]:--}" "$(ratio "${R[$name.smd.$key]:--}" "${R[$name.osm.$key]:--}")"
}

table() {
	local name=$1 e
	echo
	echo "$name: $FAB_DESC ($NET_NODES nodes, $NET_SWITCHES switches, $NET_LINKS links)${FAB_SIMARGS[*]:+, ibsim ${FAB_SIMARGS[*]}}"
	echo "a. $FAB_HOST's cable pulled (LID ${R[$name.smd.hlid]:-?} under smd, ${R[$name.osm.hlid]:-?} under OpenSM)," \
		"b. put back, c. $FAB_UPDESC pulled, d. put back"
	printf '| %-46s | %9s | %9s | %6s |\n' "figure" "smd" "OpenSM" "ratio"
	printf '|%s|%s|%s|%s|\n' "------------------------------------------------" "-----------" "-----------" "--------"
	row "$name" "start to subnet up (ms)" up
	row "$name" "peak RSS, subnet up (KiB)" hwm0
	for e in a b c d; do
		row "$name" "$e. LFT entries of other LIDs changed" "$e.other"
		row "$name" "$e. LFT entries changed" "$e.all"
		row "$name" "$e. LFT blocks changed, most on one switch" "$e.bmax"
		row "$name" "$e. LFT blocks changed, all switches" "$e.btotal"
		row "$name" "$e. event to tables written (ms)" "$e.written"
		row "$name" "$e. event to routing done, Sets sent (ms)" "$e.planned"
		row "$name" "$e. re-routes since the event" "$e.reroutes"
		row "$name" "$e. smd's log: LFT blocks written" "$e.smdblocks"
		row "$name" "$e. SM CPU, event to settled (ms)" "$e.cpu"
	done
	row "$name" "after d: entries unlike after bring-up" drift
	row "$name" "peak RSS, at the end (KiB)" hwm
	for e in a b c d; do
		echo "$e. smd: settled ${R[$name.smd.$e.settled]:-no}; sweep from +${R[$name.smd.$e.sweep]:--} ms;" \
			"re-routes (routing done/tables written, ms): ${R[$name.smd.$e.times]:--};" \
			"routing computed in ${R[$name.smd.$e.rtms]:--}ms"
		echo "$e. OpenSM: settled ${R[$name.osm.$e.settled]:-no};" \
			"re-routes (routing done/tables written, ms): ${R[$name.osm.$e.times]:--}; SUBNET UP at ${R[$name.osm.$e.up]:--}ms"
	done
	echo "$FAB_HOST's LID after b: smd ${R[$name.smd.hlid_b]:-?}, OpenSM ${R[$name.osm.hlid_b]:-?};" \
		"exit at SIGTERM: smd ${R[$name.smd.rc]:-?}, OpenSM ${R[$name.osm.rc]:-?}; OpenSM log level -D $OSM_LEVEL"
}

declare -A R
fabrics=("$@")
[ ${#fabrics[@]} -gt 0 ] || fabrics=(fattree-128x64)
out=$WORK/tables.txt
: >"$out"
for f in "${fabrics[@]}"; do
	fabric "$f"
	[ -n "$FAB_HOST" ] || fail "$f: events.sh knows which cables to pull on fat-trees only"
	for sm in ${BENCH_SMS:-smd osm}; do
		note "$f: $sm"
		run_sm "$f" "$sm"
	done
	table "$f" | tee -a "$out"
done
echo
bench_done
