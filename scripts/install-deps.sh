#!/bin/sh
# Installs the Debian packages a make target needs, only those missing.
# Usage: install-deps.sh PROFILE...   (test, demo, compat, bench, debootstrap, package)
# Fails loudly: a missing package that cannot be installed stops the run.
set -eu

pkgs=""
for profile in "$@"; do
	case "$profile" in
	demo) pkgs="$pkgs busybox-static" ;;
	test) pkgs="$pkgs musl-tools busybox-static e2fsprogs rsync debootstrap lxc lxc-templates iproute2 acl attr util-linux tmux dnsmasq-base btrfs-progs xz-utils openssl nftables uidmap man-db apparmor" ;;
	compat) pkgs="$pkgs busybox-static e2fsprogs lxc lxc-templates" ;;
	bench) pkgs="$pkgs musl-tools busybox-static lxc lxc-templates hyperfine crun runc debootstrap rsync btrfs-progs" ;;
	debootstrap) pkgs="$pkgs debootstrap rsync debian-archive-keyring" ;;
	package) pkgs="$pkgs debootstrap debian-archive-keyring busybox-static util-linux lxc-templates" ;;
	*) echo "install-deps.sh: unknown profile $profile" >&2; exit 2 ;;
	esac
done

missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "install-deps.sh: need root to install:$missing" >&2
	exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# Never let a package start services (lxc-net, dnsmasq) on the test host.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' > "$policy"
	chmod 755 "$policy"
	created_policy=1
fi
trap '[ "$created_policy" = 1 ] && rm -f "$policy"' EXIT
apt-get update -qq || apt-get update
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
