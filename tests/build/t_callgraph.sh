#!/usr/bin/env bash
# build.callgraph: no two modules of lib/ and smd/ call each other in a
# circle. Reads the compiled objects (nm): module A calls module B when A's
# object leaves a symbol undefined that B's object defines. Calls through
# function pointers are not seen, and need not be: they are how a lower
# module reports to a higher one. Prints the graph and any cycle found.
#   t_callgraph.sh LIBSMDCORE.a OBJECT_DIR...
set -euo pipefail
lib=$1; shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && ar x "$lib")
objs=("$tmp"/*.o)
for d in "$@"; do
	while IFS= read -r -d '' o; do objs+=("$o"); done < <(find "$d" -name '*.o' -print0)
done
# module name: the source file's base name (sa_path.c.o -> sa_path)
for o in "${objs[@]}"; do
	m=$(basename "$o"); m=${m%.o}; m=${m%.c}
	nm "$o" | awk -v m="$m" '$2 ~ /^[TDBR]$/ { print "def", m, $3 } $1 == "U" { print "use", m, $2 }'
done >"$tmp/syms"
awk '
$1 == "def" { def[$3] = $2 }
$1 == "use" { use[++n] = $2 " " $3 }
END {
	for (i = 1; i <= n; i++) {
		split(use[i], u, " ")
		if ((u[2] in def) && def[u[2]] != u[1]) {
			e = u[1] " " def[u[2]]
			if (!(e in seen)) { seen[e] = 1; print e }
		}
	}
}' "$tmp/syms" | sort >"$tmp/edges"
echo "# $(wc -l <"$tmp/edges") calls between $(cut -d' ' -f1 "$tmp/edges" | sort -u | wc -l) modules"
# cycles: depth-first search from every module
awk '
{ adj[$1] = adj[$1] " " $2; nodes[$1]; nodes[$2] }
function dfs(v,   i, k, a) {
	color[v] = 1; stack[++sp] = v
	k = split(adj[v], a, " ")
	for (i = 1; i <= k; i++) {
		if (color[a[i]] == 1) {
			cyc = a[i]
			for (j = sp; j >= 1 && stack[j] != a[i]; j--) cyc = stack[j] " -> " cyc
			print "cycle: " a[i] " -> " cyc
			found = 1
		} else if (!color[a[i]]) dfs(a[i])
	}
	color[v] = 2; sp--
}
END {
	for (v in nodes) if (!color[v]) dfs(v)
	exit found
}' "$tmp/edges" || { sed 's/^/# /' "$tmp/edges"; echo "not ok 1 - calls between modules form a cycle"; echo "1..1"; exit 1; }
echo "ok 1 - no module calls another in a circle"
echo "1..1"
