#!/usr/bin/env bash
# Build smd's Debian package with the standard tools (debian/, debhelper,
# `dpkg-buildpackage -us -uc -b`) in a scratch copy of the checkout and lint
# it (lintian: any error or warning fails; a warning that had to stay would
# be explained in debian/smd.lintian-overrides). The .deb files end in
# build-pkg/.
#   ./scripts/package.sh           build and lint
#   ./scripts/package.sh --check   then install it on this machine, check the
#                                  installed package, and purge it (CI; root or
#                                  sudo; refuses if smd is installed already)
# --check: `smd --version`, the files, an edited conffile kept across an
# upgrade (the same sources built again as the next version), the units
# pass `systemd-analyze verify`, smd.service enabled as Debian enables
# services (and no instance of smd@), its ConditionPathIsDirectory false on
# a host without /sys/class/infiniband, and after `apt-get purge`
# nothing it created left: /etc, /usr, /lib and /var/lib are listed before
# the install and after the purge and must not differ (files of other
# packages the install pulled in aside).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
check=0
case "${1:-}" in
--check) check=1 ;;
"") ;;
*) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
./scripts/deps.sh package

out=$root/build-pkg
rm -rf "$out"
mkdir -p "$out/src/smd"
# The checkout's files, not its build trees (a package builds from clean).
if git rev-parse --git-dir >/dev/null 2>&1; then
	git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$out/src/smd"
else
	tar --exclude='./build*' --exclude=./.git -cf - . | tar -C "$out/src/smd" -xf -
fi
cd "$out/src/smd"
if ! dpkg-checkbuilddeps 2>/dev/null; then
	echo "package: installing the build dependencies (debian/control)"
	$SUDO apt-get update -q
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get build-dep -y -q --no-install-recommends ./
fi
# build LOG: dpkg-buildpackage in this directory, the results into DEST.
build() {
	echo "package: dpkg-buildpackage -us -uc -b (log: build-pkg/$1)"
	if ! dpkg-buildpackage -us -uc -b >"$out/$1" 2>&1; then
		tail -n 40 "$out/$1"
		echo "package: dpkg-buildpackage FAILED" >&2
		exit 1
	fi
}
build build.log
version=$(dpkg-parsechangelog -S Version)
mv ../*.deb ../*.changes ../*.buildinfo "$out"/
deb=$(ls "$out"/smd_"$version"_*.deb)
echo "package: built $deb"
echo "package: lintian"
lintian --fail-on error,warning --info --tag-display-limit 0 "$out"/smd_"$version"_*.changes
echo "package: lintian: no error, no warning"
if [ "$check" -eq 0 ]; then
	rm -rf "$out/src"
	exit 0
fi

# The same sources as the next version, to check an upgrade: CMake's
# project version and a changelog entry bumped (they must agree).
up=$version.1
sed -i "s/^project(smd VERSION $version /project(smd VERSION $up /" CMakeLists.txt
{
	printf 'smd (%s) unstable; urgency=medium\n\n  * Upgrade check of scripts/package.sh.\n\n' "$up"
	printf ' -- %s  %s\n\n' "$(dpkg-parsechangelog -S Maintainer)" "$(date -R)"
	cat debian/changelog
} >debian/changelog.new
mv debian/changelog.new debian/changelog
build build-upgrade.log
mkdir -p "$out/upgrade"
mv ../*.deb ../*.changes ../*.buildinfo "$out/upgrade"/
debup=$(ls "$out"/upgrade/smd_"$up"_*.deb)
cd "$out"
rm -rf src

# ---- install, check, purge --------------------------------------------------

if dpkg-query -W -f='${Status}' smd 2>/dev/null | grep -q installed; then
	echo "package: smd is installed on this machine already; not touching it" >&2
	exit 1
fi
set +e   # every check runs and reports; the verdict is the exit status
bad=0
ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; bad=1; }
check() {
	local desc=$1; shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
# Everything under the directories a package writes to, but dpkg's and
# apt's own records, caches and logs.
snapshot() {
	$SUDO find /etc /usr /lib /var/lib -xdev \( -path /var/lib/dpkg -o -path /var/lib/apt \
		-o -path /var/cache -o -path /var/log \) -prune -o -print 2>/dev/null | LC_ALL=C sort
}
installed=0
purge() {
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get purge -y -q smd >"$out/purge.log" 2>&1
}
trap '[ "$installed" -eq 0 ] || purge' EXIT

snapshot >"$out/before.list"
echo "package: apt-get install $deb"
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "$deb" >"$out/install.log" 2>&1 ||
	{ cat "$out/install.log"; echo "package: install FAILED" >&2; exit 1; }
installed=1

is() { if [ "$2" = "$3" ]; then ok "$1 ($2)"; else not_ok "$1: got '$2', want '$3'"; fi; }
is "installed smd --version" "$(/usr/sbin/smd --version)" "smd $version"
files=$(dpkg -L smd)
unitdir=$(dirname "$(grep '/systemd/system/smd\.service$' <<<"$files")")
for f in /usr/sbin/smd /usr/sbin/smctl "$unitdir/smd.service" "$unitdir/smd@.service" \
	/usr/share/man/man8/smd.8.gz /usr/share/man/man8/smctl.8.gz \
	/usr/share/man/man5/smd.conf.5.gz /etc/smd/smd.conf; do
	check "installed: $f" grep -qx "$f" <<<"$files"
done
check "the unit directory is the system's ($unitdir)" \
	test "$unitdir" = "$(pkg-config --variable=systemdsystemunitdir systemd)"
check "/etc/smd/smd.conf is a conffile" \
	grep -q '^ /etc/smd/smd.conf ' <<<"$(dpkg-query -W -f='${Conffiles}' smd)"
check "/var/lib/smd belongs to the package" grep -qx /var/lib/smd <<<"$files"
check "the installed smd accepts the installed configuration" \
	eval '/usr/sbin/smd --check-config >/dev/null'
# The template is verified as one of its instances (a ':' in a unit name
# given to verify means something else to it).
for u in smd.service smd@0x0002c90300000001.service; do
	v=$(systemd-analyze verify "$u" 2>&1)
	rc=$?
	[ -z "$v" ] || sed 's/^/# /' <<<"$v"
	check "systemd-analyze verify $u: no error, no warning" test "$rc" -eq 0 -a -z "$v"
done
is "smd.service enabled at install" "$(systemctl is-enabled smd.service 2>&1)" enabled
check "no smd@ instance enabled" \
	eval '! ls /etc/systemd/system/*.wants/ 2>/dev/null | grep -q "^smd@"'
if [ -d /sys/class/infiniband ]; then
	check "InfiniBand here: smd.service's conditions hold" \
		systemd-analyze condition --unit=smd.service
else
	check "no /sys/class/infiniband: smd.service would not start" \
		eval '! systemd-analyze condition --unit=smd.service >"$out/cond.log" 2>&1'
	check "... because of ConditionPathIsDirectory=/sys/class/infiniband" \
		grep -q 'ConditionPathIsDirectory=/sys/class/infiniband failed' "$out/cond.log"
	if [ -d /run/systemd/system ]; then
		# systemd runs here: the postinst started it, the condition skipped it.
		is "smd.service not running" "$(systemctl is-active smd.service)" inactive
		is "its condition failed" "$(systemctl show -P ConditionResult smd.service)" no
	fi
fi
out_st=$(/usr/sbin/smctl status 2>&1)
rc=$?
is "smctl status without a running smd: exit status" "$rc" 1
check "... and it says so" grep -q "no smd listens on /run/smd/smd.sock" <<<"$out_st"

# An operator's edit survives an upgrade.
$SUDO sed -i 's/^#priority = 0$/priority = 7  ; set by scripts\/package.sh/' /etc/smd/smd.conf
echo "package: upgrade to $up"
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "$debup" >"$out/upgrade.log" 2>&1 ||
	not_ok "upgrade failed (build-pkg/upgrade.log)"
is "upgraded: smd --version" "$(/usr/sbin/smd --version)" "smd $up"
check "the edited /etc/smd/smd.conf survives the upgrade" \
	grep -q '^priority = 7  ; set by scripts/package.sh' /etc/smd/smd.conf
check "... and smd accepts it" \
	eval '/usr/sbin/smd --check-config >/dev/null'
is "smd.service still enabled" "$(systemctl is-enabled smd.service 2>&1)" enabled

# What smd writes at run time, for the purge to remove: the LID map of
# smd.service and of an smd@ instance.
$SUDO mkdir -p /var/lib/smd/mlx5_0:1
echo "# smd guid2lid v1" | $SUDO tee /var/lib/smd/smd-guid2lid /var/lib/smd/mlx5_0:1/smd-guid2lid >/dev/null

echo "package: apt-get purge smd"
if purge; then installed=0; else not_ok "purge failed (build-pkg/purge.log)"; fi
check "purged: dpkg knows no smd" eval '! dpkg-query -W -f="\${Status}" smd 2>/dev/null | grep -q .'
for p in /etc/smd /var/lib/smd /etc/systemd/system/multi-user.target.wants/smd.service; do
	check "purged: $p gone" test ! -e "$p" -a ! -L "$p"
done
snapshot >"$out/after.list"
# New paths owned by another package (a dependency the install pulled in)
# are not the package's leftovers.
left=$(comm -13 "$out/before.list" "$out/after.list" | while read -r p; do
	dpkg -S "$p" >/dev/null 2>&1 || echo "$p"
done)
gone=$(comm -23 "$out/before.list" "$out/after.list")
is "nothing left behind by the package" "$left" ""
is "nothing of the host's removed" "$gone" ""
[ "$bad" -eq 0 ] && echo "package: all checks passed" || echo "package: checks FAILED" >&2
exit "$bad"
