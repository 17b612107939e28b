#!/bin/sh
# Installs the Debian packages moat needs to build, test and run its demo,
# and to build its own package (debhelper, dpkg-dev, fakeroot: debian/).
# Then the browser test's runner (tests/browser): playwright-core from the
# npm registry at its lockfile's version, with no install script run and no
# browser downloaded (the browser is Debian's chromium).
# Idempotent: does nothing when everything is already there.
set -eu
cd "$(dirname "$0")/.."
npm_deps() {
	lock=tests/browser/package-lock.json
	have=tests/browser/node_modules/.package-lock.json
	if [ ! -f "$have" ] || [ "$lock" -nt "$have" ]; then
		echo "deps: npm ci in tests/browser"
		(cd tests/browser && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
			npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
	fi
}
PKGS="meson ninja-build pkg-config gcc clang libclang-rt-14-dev clang-format netbase
libmicrohttpd-dev libgnutls28-dev curl openssl
libseccomp-dev libsystemd-dev libcmocka-dev libjson-c-dev libjansson-dev libconfig-dev nettle-dev
python3 python3-scapy libcrypt-dev chromium nodejs iproute2 iputils-ping iperf3 tcpdump procps ethtool nftables
qemu-system-x86 busybox-static netsniff-ng
man-db build-essential debhelper dpkg-dev fakeroot"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
# npm: Debian's package, unless a node install already brings its own
command -v npm >/dev/null || missing="$missing npm"
if [ -z "$missing" ]; then
	npm_deps
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages:$missing (run as root, or: sudo apt-get install$missing)" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
npm_deps
