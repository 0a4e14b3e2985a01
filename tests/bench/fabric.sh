#!/usr/bin/env bash
# tests/bench/fabric.sh -- smd --once next to OpenSM --once on switched
# fabrics, same machine, same run. For each fabric, each SM gets a fresh ibsim
# (port states cannot be reset) and a fresh state/cache directory, attached to
# h0, with its own defaults. Figures:
#   - time to all ports Active: from the launch to the SM's own log line
#     saying so (smd "subnet up", OpenSM "SUBNET UP"), both in local time;
#   - wall time of the --once run (both exit once the subnet is up, smd after
#     writing the multicast tables; lftcheck then reads the fabric back:
#     every pair routed, every link Active);
#   - MADs sent: smd's own count (its "MADs: N sent" line at exit); OpenSM has
#     no such count at its default log level (its debug level logs a running
#     "total sent" but writes ~1,500 lines per node, far too slow on the big
#     fabrics), so it is counted in a second, untimed run on another fresh
#     ibsim under `strace -f -e trace=write`: the writes to the socket
#     libumad2sim connects to ibsim, one per MAD sent (SMPs and the few GMPs;
#     it matched OpenSM's debug "total sent" to within 1% on the 4x4
#     fat-tree). BENCH_OSM_MADS=0 skips that run and prints "-";
#   - peak RSS and CPU time (user+sys) of the SM, from GNU time;
#   - ibsim's own CPU time during each run (the simulator's cost of the
#     MADs), from its threads' scheduler statistics.
# Each SM runs BENCH_RUNS times (default 5) and the table gives the median of
# each figure, because a shared 2-core machine varies by 20% or more from one
# run to the next; every run is checked with lftcheck.
# The floor: smpflood, a client with no subnet manager behind it, sends as
# many SMPs as smd did (NodeInfo Gets by directed route, FAB_FLOOR_PATH hops
# deep, smd's default window of 32) on its own fresh ibsim, BENCH_RUNS times.
# Its wall time over ibsim's CPU is what the simulator transport alone costs
# on this machine (libumad2sim's start-up and receiver thread included), the
# bound under smd's own ratio.
# Not a CTest test: it prints figures, it does not judge them.
#   cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release && cmake --build build-rel
#   SMD_BIN=$PWD/build-rel/smd bash tests/bench/fabric.sh [FABRIC...]
# FABRIC: fattree-4x4 fattree-36x18 fattree-64x32 fattree-128x64 ring-16
# (default, or "all": these), and three-level fat-trees: fattree3-4x4x8 (168
# nodes), fattree3-8x32x80 (20,928 nodes: about 2.5 minutes a run of both
# SMs, their checks, the MAD count and the floor), fattree3-16x32x88 (45,888
# nodes, near the 49,151 unicast LIDs of a subnet: about 5 minutes a run).
# tests/bench/common.sh describes them and the ibsim options each needs.
# Needs /usr/bin/time (Debian package "time") and strace. LFTCHECK and
# SMPFLOOD default to the ones next to SMD_BIN.
# Bounds, not targets: an SM run (SMD_ONCE_TIMEOUT, s), a check
# (BENCH_CHECK_TIMEOUT, s), the life of an ibsim (SIM_MAX_LIFE, s). The
# largest fabrics need minutes; lib.sh's defaults are for the tests.
SMD_ONCE_TIMEOUT=${SMD_ONCE_TIMEOUT:-900}
SIM_MAX_LIFE=${SIM_MAX_LIFE:-3600}
CHECK_TIMEOUT=${BENCH_CHECK_TIMEOUT:-1800}
# shellcheck source=tests/bench/common.sh
. "$(dirname "$0")/common.sh"

LFTCHECK=${LFTCHECK:-$(dirname "$SMD_BIN")/lftcheck}
SMPFLOOD=${SMPFLOOD:-$(dirname "$SMD_BIN")/smpflood}
GNU_TIME=${GNU_TIME:-/usr/bin/time}
OSM_MADS=${BENCH_OSM_MADS:-1}
RUNS=${BENCH_RUNS:-5}
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || fail "BENCH_RUNS must be a positive number"
[ -x "$LFTCHECK" ] || fail "no lftcheck at $LFTCHECK (build it: cmake --build build-rel)"
[ -x "$SMPFLOOD" ] || fail "no smpflood at $SMPFLOOD (build it: cmake --build build-rel)"
[ -x "$GNU_TIME" ] || fail "GNU time not found at $GNU_TIME (Debian package 'time')"
if [ "$OSM_MADS" = 1 ] && ! command -v strace >/dev/null; then
	fail "strace not found (needed to count OpenSM's MADs; BENCH_OSM_MADS=0 skips that)"
fi
command -v opensm >/dev/null || fail "opensm not found: run scripts/deps.sh"
need_smd
need_lftcheck
SMD_LOG_LEVEL=${SMD_LOG_LEVEL:-info}
SMD_WINDOW=32  # smd's default [mad] window, which the bench's runs use

# sim_load KEY: a fresh ibsim of the fabric; R[KEY.load] = ms until it
# answers (reading its net file, most of it).
sim_load() {
	local t0
	t0=$(now_ms)
	sim_start "$NET" "${FAB_SIMARGS[@]}"
	R[$1.load]=$(($(now_ms) - t0))
}

# timed NAME LOG CMD...: run CMD (with its own LD_PRELOAD via env) under GNU
# time and a timeout; sets R[NAME.wall] (ms), R[NAME.rss] (KiB),
# R[NAME.cpu] (ms), R[NAME.ibsim] (ms of ibsim CPU), R[NAME.rc].
timed() {
	local name=$1 log=$2; shift 2
	local sim c0 c1 t0 t1 rc tf=$WORK/time-$name.txt
	sim=$(ibsim_pid)
	[ -n "$sim" ] || fail "cannot find ibsim's pid"
	c0=$(cpu_ns "$sim")
	t0=$(now_ms)
	timeout -k 5 "$SMD_ONCE_TIMEOUT" "$GNU_TIME" -o "$tf" -f '%e %M %U %S' "$@" >"$log" 2>&1
	rc=$?
	t1=$(now_ms)
	c1=$(cpu_ns "$sim")
	R[$name.rc]=$rc
	R[$name.t0]=$t0
	R[$name.wall]=$((t1 - t0))
	R[$name.ibsim]=$(awk -v d=$((c1 - c0)) 'BEGIN { printf "%.1f", d / 1e6 }')
	read -r _ rss usr sys < <(tail -n 1 "$tf")
	R[$name.rss]=${rss:--}
	R[$name.cpu]=$(awk -v u="${usr:-0}" -v s="${sys:-0}" 'BEGIN { printf "%d", (u + s) * 1000 }')
}

# since_t0 NAME MS: MS (epoch ms) minus the launch of run NAME, "-" if none.
since_t0() { if [ -n "$2" ]; then echo $(($2 - ${R[$1.t0]})); else echo -; fi; }

# verify NAME: lftcheck from h0 reads the fabric back; R[NAME.check] tells
# pairs routed, links Active and the CDG verdict.
verify() {
	local out=$WORK/lftcheck-$1.txt sum
	timeout -k 2 "$CHECK_TIMEOUT" env LD_PRELOAD="$LFT_PRELOAD" SIM_HOST=h0 "$LFTCHECK" >"$out" 2>&1
	sum=$(grep '^lftcheck: switches' "$out")
	sumf() { awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' <<<"$sum"; }
	if [ -z "$sum" ]; then
		R[$1.check]="lftcheck failed"
	else
		R[$1.check]="$(sumf routed)/$(sumf pairs) routed, $(sumf active)/$NET_LINKS Active, cdg $(sumf cdg)"
	fi
}

# run_smd NAME RUN: one smd --once run on a fresh ibsim, into R[NAME.smd.RUN.*].
run_smd() {
	local name=$1 run=$2 conf key=$1.smd.$2 log=$WORK/smd-$1-$2.log
	sim_load "$key"
	conf=$(SM_STATE_DIR=$WORK/state-$name-$run smd_conf "bench-$name-$run")
	timed "$key" "$log" env LD_PRELOAD="$SMD_PRELOAD" SIM_HOST=h0 "$SMD_BIN" -f -c "$conf" --once
	R[$key.mads]=$(sed -n 's/.*MADs: \([0-9]*\) sent, \([0-9]*\) resent, \([0-9]*\) timed out.*/\1/p' \
		"$log" | tail -n 1)
	R[$key.resent]=$(sed -n 's/.*MADs: [0-9]* sent, \([0-9]*\) resent, \([0-9]*\) timed out.*/\1 resent, \2 timed out/p' \
		"$log" | tail -n 1)
	R[$key.engine]=$(sed -n 's/.*routing: \([a-z]*\) for .*/\1/p' "$log" | tail -n 1)
	# smd's own sweep time, without process start-up (libumad2sim builds its
	# sysfs snapshot then): "subnet up: ... Active in N ms"
	R[$key.sweep]=$(sed -n 's/.*subnet up: .* Active in \([0-9]*\) ms.*/\1/p' "$log" | tail -n 1)
	# "2026-11-26T17:28:04.490 smd[9125]: subnet up: ..."
	local up
	up=$(sed -n 's/^\([0-9T:.-]*\) smd\[[0-9]*\]: subnet up: .*/\1/p' "$log" | head -n 1)
	R[$key.active]=$(since_t0 "$key" "$([ -n "$up" ] && date -d "$up" +%s%3N)")
	verify "$key"
	sim_stop
}

# osm_cmd NAME: the OpenSM --once command line (defaults: an empty options
# file; cache dir per run).
osm_cmd() {
	mkdir -p "$WORK/osm-cache-$1"
	: >"$WORK/opensm-empty.conf"
	OSM_CMD=(env OSM_CACHE_DIR="$WORK/osm-cache-$1" LD_PRELOAD="$UMAD2SIM" SIM_HOST=h0
		opensm -F "$WORK/opensm-empty.conf" -f "$WORK/opensm-$1.log" --once)
}

# run_osm NAME RUN: one OpenSM --once run on a fresh ibsim.
run_osm() {
	local name=$1 run=$2 key=$1.osm.$2
	sim_load "$key"
	osm_cmd "$name-$run"
	timed "$key" "$WORK/opensm-$name-$run.out" "${OSM_CMD[@]}"
	# "Nov 26 17:42:27 422337 [741146C0] 0x02 -> SUBNET UP"
	local up ms=
	up=$(grep -m 1 -- '-> SUBNET UP' "$WORK/opensm-$name-$run.log")
	if [[ $up =~ ^([A-Z][a-z]{2}\ +[0-9]+\ [0-9:]{8})\ ([0-9]{6}) ]]; then
		ms=$(($(date -d "${BASH_REMATCH[1]}" +%s) * 1000 + 10#${BASH_REMATCH[2]} / 1000))
	fi
	R[$key.active]=$(since_t0 "$key" "$ms")
	verify "$key"
	sim_stop
}

# count_osm NAME: OpenSM's MADs, counted in an untimed run (see the top).
count_osm() {
	local name=$1 st fd
	R[$name.osm.mads]=-
	[ "$OSM_MADS" = 1 ] || return 0
	sim_start "$NET" "${FAB_SIMARGS[@]}"
	osm_cmd "$name-count"
	st=$WORK/strace-$name.txt
	timeout -k 5 "$SMD_ONCE_TIMEOUT" strace -f -s 0 -o "$st" \
		-e trace=socket,connect,write "${OSM_CMD[@]}" >/dev/null 2>&1
	# the datagram socket libumad2sim connects to ibsim's "...:out<N>"
	fd=$(sed -n 's/.* connect(\([0-9]*\), {sa_family=AF_UNIX, sun_path=@"[^"]*:out[0-9]*\\0"}.*/\1/p' \
		"$st" | head -n 1)
	if [ -n "$fd" ]; then
		R[$name.osm.mads]=$(grep -c " write($fd," "$st")
	fi
	sim_stop
}

# run_floor NAME RUN COUNT: smpflood sends COUNT SMPs on a fresh ibsim.
run_floor() {
	local key=$1.floor.$2
	sim_start "$NET" "${FAB_SIMARGS[@]}"
	timed "$key" "$WORK/floor-$1-$2.log" env LD_PRELOAD="$UMAD2SIM" SIM_HOST=h0 \
		"$SMPFLOOD" -w "$SMD_WINDOW" -p "$FAB_FLOOR_PATH" "$3"
	sim_stop
}

# summarize NAME.SM: R[NAME.SM.FIG] = the median over the runs; per-run
# ratios to ibsim's CPU (wall, sweep) are taken run by run, then the median.
summarize() {
	local k=$1 fig i vals
	for fig in active wall rss cpu ibsim mads sweep load; do
		vals=()
		for ((i = 1; i <= RUNS; i++)); do vals+=("${R[$k.$i.$fig]:--}"); done
		R[$k.$fig]=$(median "${vals[@]}")
	done
	for fig in active wall sweep; do
		vals=()
		for ((i = 1; i <= RUNS; i++)); do
			vals+=("$(ratio "${R[$k.$i.$fig]:--}" "${R[$k.$i.ibsim]:--}")")
		done
		R[$k.$fig.per_ibsim]=$(median "${vals[@]}" | awk '/^[0-9.]+$/ { printf "%.2f\n", $1; next } { print }')
	done
	vals=()
	for ((i = 1; i <= RUNS; i++)); do vals+=("${R[$k.$i.rc]:--}"); done
	R[$k.rcs]=${vals[*]}
	vals=()
	for ((i = 1; i <= RUNS; i++)); do vals+=("${R[$k.$i.wall]:--}"); done
	R[$k.walls]=${vals[*]}
	# the lftcheck verdicts, each different one with the runs that gave it
	R[$k.checks]=$(for ((i = 1; i <= RUNS; i++)); do echo "${R[$k.$i.check]:-not checked}"; done |
		sort | uniq -c | awk -v n="$RUNS" '{ c = $1; sub(/^ *[0-9]+ /, "");
			printf "%s%s (%d of %d runs)", (NR > 1 ? "; " : ""), $0, c, n }')
}

row() {
	local name=$1 label=$2 key=$3
	printf '| %-30s | %9s | %9s | %6s |\n' "$label" "${R[$name.smd.$key]:--}" \
		"${R[$name.osm.$key]:--}" "$(ratio "${R[$name.smd.$key]:--}" "${R[$name.osm.$key]:--}")"
}

table() {
	local name=$1
	echo
	echo "$name: $FAB_DESC ($NET_NODES nodes, $NET_LINKS links)${FAB_SIMARGS[*]:+, ibsim ${FAB_SIMARGS[*]}}"
	echo "median of $RUNS runs of each (smd wall times: ${R[$name.smd.walls]} ms; OpenSM: ${R[$name.osm.walls]} ms)"
	echo "ibsim start, reading the net file: ${R[$name.smd.load]} ms (median, smd's runs)"
	printf '| %-30s | %9s | %9s | %6s |\n' "figure" "smd" "OpenSM" "ratio"
	printf '|%s|%s|%s|%s|\n' "--------------------------------" "-----------" "-----------" "--------"
	row "$name" "time to all ports Active (ms)" active
	row "$name" "--once wall time (ms)" wall
	row "$name" "MADs sent" mads
	row "$name" "peak RSS (KiB)" rss
	row "$name" "CPU time, user+sys (ms)" cpu
	row "$name" "ibsim CPU during the run (ms)" ibsim
	echo "smd: exit ${R[$name.smd.rcs]}, engine ${R[$name.smd.1.engine]:-?}, ${R[$name.smd.1.resent]:-no MAD count in its log}; ${R[$name.smd.checks]}"
	echo "OpenSM: exit ${R[$name.osm.rcs]}; ${R[$name.osm.checks]}"
	echo "smd over ibsim's CPU during its run: time to all ports Active ${R[$name.smd.active.per_ibsim]}," \
		"--once wall time ${R[$name.smd.wall.per_ibsim]}, its sweep alone (${R[$name.smd.sweep]:--} ms, its log) ${R[$name.smd.sweep.per_ibsim]}"
	echo "floor: smpflood, ${R[$name.floor.count]:--} NodeInfo Gets by directed route ($FAB_FLOOR_PATH)," \
		"window $SMD_WINDOW, no SM: wall ${R[$name.floor.wall]:--} ms / ibsim CPU ${R[$name.floor.ibsim]:--} ms:" \
		"${R[$name.floor.wall.per_ibsim]} (exit ${R[$name.floor.rcs]})"
}

declare -A R
fabrics=("$@")
[ ${#fabrics[@]} -gt 0 ] || read -r -a fabrics <<<"$ALL_FABRICS"
for f in "${fabrics[@]}"; do
	[ "$f" = all ] && { read -r -a fabrics <<<"$ALL_FABRICS"; break; }
done
out=$WORK/tables.txt
: >"$out"
for f in "${fabrics[@]}"; do
	fabric "$f"
	for ((run = 1; run <= RUNS; run++)); do
		note "$f: smd, run $run of $RUNS"
		run_smd "$f" "$run"
		note "$f: OpenSM, run $run of $RUNS"
		run_osm "$f" "$run"
	done
	summarize "$f.smd"
	summarize "$f.osm"
	note "$f: OpenSM, counting its MADs"
	count_osm "$f"
	R[$f.floor.count]=${R[$f.smd.mads]}
	if [[ ${R[$f.floor.count]} =~ ^[0-9]+$ ]]; then
		for ((run = 1; run <= RUNS; run++)); do
			note "$f: floor, run $run of $RUNS"
			run_floor "$f" "$run" "${R[$f.floor.count]}"
		done
	fi
	summarize "$f.floor"
	table "$f" | tee -a "$out"
done
echo
bench_done
