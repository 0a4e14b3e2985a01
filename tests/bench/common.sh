# tests/bench/common.sh -- what the fabric benchmarks share: the fabrics
# (generator, ibsim size options, the cables the event benchmark pulls), the
# ibsim helpers and the arithmetic of the tables. Sourced by fabric.sh and
# events.sh after they have set their bounds (SMD_ONCE_TIMEOUT,
# SIM_MAX_LIFE, SMD_MAX_LIFE); it sources tests/sim/lib.sh.
# shellcheck shell=bash disable=SC2034
# shellcheck source=tests/sim/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../sim/lib.sh"

# ibsim reads its net file with a linear search per node and per cable: the
# largest fabrics take seconds to load (about 11 s for 45,888 nodes), more
# than the 10 s sim_start waits for the banner by default.
SIM_READY_S=${BENCH_SIM_READY_S:-120}

# Every fabric the benchmarks know, the default list of fabric.sh first.
ALL_FABRICS="fattree-4x4 fattree-36x18 fattree-64x32 fattree-128x64 ring-16"
MORE_FABRICS="fattree3-4x4x8 fattree3-8x32x80 fattree3-16x32x88"

# fabric NAME: write $WORK/NAME.net (gen_net: sets NET, NET_LINKS), set
# NET_NODES (switches and HCAs in it), NET_SWITCHES, FAB_DESC, FAB_SIMARGS
# (ibsim's size options where its defaults, 2048 nodes, 256 switches, 13312
# ports and 30720 LIDs, are too small), FAB_FLOOR_PATH (from h0, three hops:
# to a switch two switches away, about the mean depth of a sweep's SMPs;
# ibsim's cost grows a little with it) and, for the fat-trees, what
# events.sh pulls: FAB_HOST (a host in the middle of the fabric), FAB_LEAF
# and FAB_UPPORT (a leaf and its port to a switch of the next level, also
# in the middle: neither the first leaf nor the first spine), FAB_UPDESC.
fabric() {
	local gen
	FAB_SIMARGS=()
	FAB_HOST="" FAB_LEAF="" FAB_UPPORT="" FAB_UPDESC=""
	case $1 in
	fattree-*x*)
		# fattree-LEAVESxHOSTS: the two-level fat-trees of gen-fattree.sh
		local l h s p
		case $1 in
		fattree-4x4) l=4 h=4 s=2 p=36 ;;
		fattree-36x18) l=36 h=18 s=18 p=36 ;;
		fattree-64x32) l=64 h=32 s=32 p=64
			FAB_SIMARGS=(-N 4096 -S 512 -P 32768) ;;
		fattree-128x64) l=128 h=64 s=64 p=128
			FAB_SIMARGS=(-N 16384 -S 1024 -P 60000) ;;
		*) fail "unknown fabric '$1' (known: $ALL_FABRICS $MORE_FABRICS)" ;;
		esac
		FAB_DESC="fat-tree $l leaves x $h hosts, $s spines, $p-port switches"
		FAB_FLOOR_PATH=1,$((h + 1)),2
		local ml=$((l / 2))  # the middle leaf
		FAB_HOST=h$((ml * h + h / 2))
		FAB_LEAF=leaf$ml
		FAB_UPPORT=$((h + 1 + s / 2))
		FAB_UPDESC="$FAB_LEAF port $FAB_UPPORT - spine$((s / 2))"
		gen=(gen-fattree.sh "$l" "$h" "$s" "$p") ;;
	fattree3-*)
		# fattree3-PODSxLEAVESxHOSTS: three-level fat-trees of
		# gen-fattree3.sh
		local d l h a=16 c=64 p
		case $1 in
		fattree3-4x4x8) d=4 l=4 h=8 a=4 c=8 p=16 ;;
		fattree3-8x32x80) d=8 l=32 h=80 p=96
			FAB_SIMARGS=(-N 32768 -S 1024 -P 131072) ;;
		fattree3-16x32x88) d=16 l=32 h=88 p=104
			# LIDs up to 45,888: ibsim's LinearFDBCap (-L) must hold
			# them (it refuses LFT blocks past 767 anyway: LID 49151)
			FAB_SIMARGS=(-N 65536 -S 2048 -P 262144 -L 49152) ;;
		*) fail "unknown fabric '$1' (known: $ALL_FABRICS $MORE_FABRICS)" ;;
		esac
		FAB_DESC="3-level fat-tree, $d pods of $l leaves x $h hosts and $a aggregation switches, $c cores, $p-port switches"
		FAB_FLOOR_PATH=1,$((h + 1)),2
		local mp=$((d / 2)) ml ma  # the middle pod, its middle leaf and aggregation switch
		ml=$((mp * l + l / 2)) ma=$((mp * a + a / 2))
		FAB_HOST=h$((ml * h + h / 2))
		FAB_LEAF=leaf$ml
		FAB_UPPORT=$((h + 1 + a / 2))
		FAB_UPDESC="$FAB_LEAF port $FAB_UPPORT - agg$ma"
		gen=(gen-fattree3.sh "$d" "$l" "$h" "$a" "$c" "$p") ;;
	ring-16)
		FAB_DESC="ring of 16 switches + 8 chords (seed 1), 8 hosts each, 36-port switches"
		FAB_FLOOR_PATH=1,9,9
		gen=(gen-ring.sh 16 8 1 8 36) ;;
	*) fail "unknown fabric '$1' (known: $ALL_FABRICS $MORE_FABRICS)" ;;
	esac
	gen_net "$1" "${gen[@]}"
	NET_NODES=$(grep -cE '^(Switch|Hca)' "$NET")
	NET_SWITCHES=$(grep -c '^Switch' "$NET")
}

# ibsim_pid: the ibsim process itself (lib.sh records its timeout wrapper).
ibsim_pid() { pgrep -P "$_SIM_PID" -x ibsim | head -n 1; }
# CPU time of every thread of a process in ns (schedstat: finer than ticks;
# %.0f: mawk's %d stops at 2^31, 2.1 s).
cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f\n", s }'; }

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) printf "%.2f", a / b; else print "-" }'
}
# median V...: of the numeric values ("-" when there is none); for an even
# number, the lower middle one (a value a run really gave).
median() {
	printf '%s\n' "$@" | grep -E '^[0-9.]+$' | sort -g |
		awk '{ v[NR] = $1 } END { if (!NR) print "-"; else print v[int((NR + 1) / 2)] }'
}

# smd_epoch_ms TIMESTAMP: an smd log timestamp ("2026-11-26T13:45:01.123",
# local time) in ms since the epoch.
smd_epoch_ms() { date -d "$1" +%s%3N; }
# osm_epoch_us "Nov 26 17:42:27 422337": an OpenSM log timestamp (local
# time, no year: this year) in µs since the epoch.
osm_epoch_us() {
	[[ $1 =~ ^([A-Z][a-z]{2}\ +[0-9]+\ [0-9:]{8})\ ([0-9]{6}) ]] || return 1
	echo $(($(date -d "${BASH_REMATCH[1]}" +%s) * 1000000 + 10#${BASH_REMATCH[2]}))
}

# bench_done: the versions the figures were taken with, then the end of the
# run (a benchmark prints figures; it has no checks).
bench_done() {
	echo "ibsim $(dpkg-query -W -f='${Version}' ibsim-utils 2>/dev/null), $(opensm --version 2>/dev/null | grep -m1 -o 'OpenSM [0-9.]*'), $(nproc) cores"
	_T_N=1
	done_testing
}
