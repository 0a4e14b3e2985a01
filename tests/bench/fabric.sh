#!/usr/bin/env bash
# tests/bench/fabric.sh -- smd --once next to OpenSM --once on switched
# fabrics, same machine, same run. For each fabric, each SM gets a fresh ibsim
# (port states cannot be reset) and a fresh state/cache directory, attached to
# h0, with its own defaults. Figures:
#   - wall time of the --once run (both exit once the subnet is up; lftcheck
#     then reads the fabric back: every pair routed, every link Active);
#   - MADs sent: smd's own count (its "MADs: N sent" line at exit); OpenSM has
#     no such count at its default log level (its debug level logs a running
#     "total sent" but writes ~1,500 lines per node, far too slow on the big
#     fabrics), so it is counted in a second, untimed run on another fresh
#     ibsim under `strace -f -e trace=write`: the writes to the socket
#     libumad2sim connects to ibsim, one per MAD sent (SMPs and the few GMPs;
#     it matched OpenSM's debug "total sent" to within 1% on the 4x4
#     fat-tree). BENCH_OSM_MADS=0 skips that run and prints "-";
#   - peak RSS and CPU time (user+sys) of the SM, from GNU time;
#   - ibsim's own CPU time during each run (the floor: the simulator's cost
#     of the MADs), from its threads' scheduler statistics.
# Not a CTest test: it prints figures, it does not judge them.
#   cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release && cmake --build build-rel
#   SMD_BIN=build-rel/smd bash tests/bench/fabric.sh [FABRIC...]
# FABRIC: fattree-4x4 fattree-36x18 fattree-64x32 ring-16 (default: all).
# Needs /usr/bin/time (Debian package "time") and strace. LFTCHECK defaults
# to the lftcheck next to SMD_BIN.
# An SM run and a check of the biggest fabric take seconds; lib.sh's default
# bound for a --once run is a minute.
SMD_ONCE_TIMEOUT=${SMD_ONCE_TIMEOUT:-120}
# shellcheck source=tests/sim/lib.sh
. "$(dirname "$0")/../sim/lib.sh"

LFTCHECK=${LFTCHECK:-$(dirname "$SMD_BIN")/lftcheck}
GNU_TIME=${GNU_TIME:-/usr/bin/time}
OSM_MADS=${BENCH_OSM_MADS:-1}
[ -x "$LFTCHECK" ] || fail "no lftcheck at $LFTCHECK (build it: cmake --build build-rel)"
[ -x "$GNU_TIME" ] || fail "GNU time not found at $GNU_TIME (Debian package 'time')"
if [ "$OSM_MADS" = 1 ] && ! command -v strace >/dev/null; then
	fail "strace not found (needed to count OpenSM's MADs; BENCH_OSM_MADS=0 skips that)"
fi
command -v opensm >/dev/null || fail "opensm not found: run scripts/deps.sh"
need_smd
need_lftcheck
SMD_LOG_LEVEL=${SMD_LOG_LEVEL:-info}

ALL_FABRICS="fattree-4x4 fattree-36x18 fattree-64x32 ring-16"

# fabric NAME: write $WORK/NAME.net and set FAB_DESC, FAB_SIMARGS.
fabric() {
	local net=$WORK/$1.net
	FAB_SIMARGS=()
	case $1 in
	fattree-4x4)
		FAB_DESC="fat-tree 4 leaves x 4 hosts, 2 spines, 36-port switches"
		bash "$SIM_LIB_DIR/gen-fattree.sh" 4 4 2 36 >"$net" ;;
	fattree-36x18)
		FAB_DESC="fat-tree 36 leaves x 18 hosts, 18 spines, 36-port switches"
		bash "$SIM_LIB_DIR/gen-fattree.sh" 36 18 18 36 >"$net" ;;
	fattree-64x32)
		FAB_DESC="fat-tree 64 leaves x 32 hosts, 32 spines, 64-port switches"
		# ibsim's default limits: 2048 nodes, 256 switches, 13312 ports
		FAB_SIMARGS=(-N 4096 -S 512 -P 32768)
		bash "$SIM_LIB_DIR/gen-fattree.sh" 64 32 32 64 >"$net" ;;
	ring-16)
		FAB_DESC="ring of 16 switches + 8 chords (seed 1), 8 hosts each, 36-port switches"
		bash "$SIM_LIB_DIR/gen-ring.sh" 16 8 1 8 36 >"$net" ;;
	*) fail "unknown fabric '$1' (known: $ALL_FABRICS)" ;;
	esac || fail "cannot generate $1"
	FAB_NET=$net
	FAB_LINKS=$(sed -n 's/^# links: //p' "$net")
	FAB_NODES=$(grep -cE '^(Switch|Hca)' "$net")
}

# ibsim_pid: the ibsim process itself (lib.sh records its timeout wrapper).
ibsim_pid() { pgrep -P "$_SIM_PID" -x ibsim | head -n 1; }
# CPU time of every thread of a process in ns (schedstat: finer than ticks).
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%d\n", s }'; }

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
	R[$name.wall]=$((t1 - t0))
	R[$name.ibsim]=$(awk -v d=$((c1 - c0)) 'BEGIN { printf "%.1f", d / 1e6 }')
	read -r _ rss usr sys < <(tail -n 1 "$tf")
	R[$name.rss]=${rss:--}
	R[$name.cpu]=$(awk -v u="${usr:-0}" -v s="${sys:-0}" 'BEGIN { printf "%d", (u + s) * 1000 }')
}

# verify NAME: lftcheck from h0 reads the fabric back; R[NAME.check] tells
# pairs routed, links Active and the CDG verdict.
verify() {
	local out=$WORK/lftcheck-$1.txt sum
	timeout -k 2 300 env LD_PRELOAD="$LFT_PRELOAD" SIM_HOST=h0 "$LFTCHECK" >"$out" 2>&1
	sum=$(grep '^lftcheck: switches' "$out")
	sumf() { awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' <<<"$sum"; }
	if [ -z "$sum" ]; then
		R[$1.check]="lftcheck failed"
	else
		R[$1.check]="$(sumf routed)/$(sumf pairs) routed, $(sumf active)/$FAB_LINKS Active, cdg $(sumf cdg)"
	fi
}

run_smd() {
	local name=$1 conf
	sim_start "$FAB_NET" "${FAB_SIMARGS[@]}"
	conf=$(SM_STATE_DIR=$WORK/state-$name smd_conf "bench-$name")
	timed "$name.smd" "$WORK/smd-$name.log" \
		env LD_PRELOAD="$SMD_PRELOAD" SIM_HOST=h0 "$SMD_BIN" -f -c "$conf" --once
	R[$name.smd.mads]=$(sed -n 's/.*MADs: \([0-9]*\) sent, \([0-9]*\) resent, \([0-9]*\) timed out.*/\1/p' \
		"$WORK/smd-$name.log" | tail -n 1)
	R[$name.smd.resent]=$(sed -n 's/.*MADs: [0-9]* sent, \([0-9]*\) resent, \([0-9]*\) timed out.*/\1 resent, \2 timed out/p' \
		"$WORK/smd-$name.log" | tail -n 1)
	R[$name.smd.engine]=$(sed -n 's/.*routing: \([a-z]*\) for .*/\1/p' "$WORK/smd-$name.log" | tail -n 1)
	# smd's own sweep time, without process start-up (libumad2sim builds its
	# sysfs snapshot then): "subnet up: ... Active in N ms"
	R[$name.smd.sweep]=$(sed -n 's/.*subnet up: .* Active in \([0-9]*\) ms.*/\1/p' \
		"$WORK/smd-$name.log" | tail -n 1)
	verify "$name.smd"
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

run_osm() {
	local name=$1 st fd
	sim_start "$FAB_NET" "${FAB_SIMARGS[@]}"
	osm_cmd "$name"
	timed "$name.osm" "$WORK/opensm-$name.out" "${OSM_CMD[@]}"
	verify "$name.osm"
	sim_stop
	R[$name.osm.mads]=-
	if [ "$OSM_MADS" = 1 ]; then
		sim_start "$FAB_NET" "${FAB_SIMARGS[@]}"
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
	fi
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) printf "%.2f", a / b; else print "-" }'
}
row() {
	local name=$1 label=$2 key=$3
	printf '| %-30s | %9s | %9s | %6s |\n' "$label" "${R[$name.smd.$key]:--}" \
		"${R[$name.osm.$key]:--}" "$(ratio "${R[$name.smd.$key]:--}" "${R[$name.osm.$key]:--}")"
}

table() {
	local name=$1
	echo
	echo "$name: $FAB_DESC ($FAB_NODES nodes, $FAB_LINKS links)${FAB_SIMARGS[*]:+, ibsim ${FAB_SIMARGS[*]}}"
	printf '| %-30s | %9s | %9s | %6s |\n' "figure" "smd" "OpenSM" "ratio"
	printf '|%s|%s|%s|%s|\n' "--------------------------------" "-----------" "-----------" "--------"
	row "$name" "--once wall time (ms)" wall
	row "$name" "MADs sent" mads
	row "$name" "peak RSS (KiB)" rss
	row "$name" "CPU time, user+sys (ms)" cpu
	row "$name" "ibsim CPU during the run (ms)" ibsim
	echo "smd: exit ${R[$name.smd.rc]}, engine ${R[$name.smd.engine]:-?}, ${R[$name.smd.resent]:-no MAD count in its log}; ${R[$name.smd.check]}"
	echo "OpenSM: exit ${R[$name.osm.rc]}; ${R[$name.osm.check]}"
	echo "smd wall time / ibsim CPU during its run: $(ratio "${R[$name.smd.wall]}" "${R[$name.smd.ibsim]}");" \
		"smd sweep (${R[$name.smd.sweep]:--} ms, its log) / ibsim CPU: $(ratio "${R[$name.smd.sweep]:--}" "${R[$name.smd.ibsim]}")"
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
	note "$f: smd"
	run_smd "$f"
	note "$f: OpenSM"
	run_osm "$f"
	table "$f" | tee -a "$out"
done
echo
echo "ibsim $(dpkg-query -W -f='${Version}' ibsim-utils 2>/dev/null), $(opensm --version 2>/dev/null | grep -m1 -o 'OpenSM [0-9.]*'), $(nproc) cores"
_T_N=1  # the bench reports figures; it has no checks
done_testing
