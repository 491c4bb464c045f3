#!/bin/sh
# make demo: create a busybox container with golxc's tools, start it, run a
# command in it, list it, stop it and destroy it. Everything happens in a
# temporary lxcpath that is removed at the end, also when a step fails.
set -eu

repo=$(cd "$(dirname "$0")/.." && pwd)
bin=$repo/bin
[ -x "$bin/lxc-create" ] || { echo "demo: build the tools first (make build)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "demo: run as root (containers need it)" >&2; exit 1; }
command -v busybox >/dev/null 2>&1 || { echo "demo: busybox is missing (apt-get install busybox-static)" >&2; exit 1; }

# Our templates from the source tree, a private lxcpath and cache.
GOLXC_TEMPLATE_DIR=$repo/templates
export GOLXC_TEMPLATE_DIR
lxcpath=$(mktemp -d /tmp/golxc-demo.XXXXXX)
LXC_CACHE_PATH=$lxcpath/.cache
export LXC_CACHE_PATH
name=demo

bold= plain=
if [ -t 1 ]; then
	bold=$(tput bold 2>/dev/null || true)
	plain=$(tput sgr0 2>/dev/null || true)
fi
step() { printf '\n%s==> %s%s\n' "$bold" "$*" "$plain"; }
# run shows the command (arguments with blanks quoted), then runs it.
run() {
	line=
	for a in "$@"; do
		case "$a" in
		*[[:space:]]*) line="$line '$a'" ;;
		*) line="$line $a" ;;
		esac
	done
	printf '%s$%s%s\n' "$bold" "$line" "$plain"
	"$@"
}

cleanup() {
	status=$?
	if [ -e "$lxcpath/$name/config" ]; then
		[ "$status" = 0 ] || step "cleaning up after a failure"
		"$bin/lxc-stop" -P "$lxcpath" -n "$name" -k >/dev/null 2>&1 || true
		"$bin/lxc-destroy" -P "$lxcpath" -n "$name" -f >/dev/null 2>&1 || true
	fi
	rm -rf "$lxcpath"
	[ "$status" = 0 ] || echo "demo failed (exit $status)" >&2
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# Networking: the usual veth on lxcbr0 when that bridge exists, none
# otherwise (the container then has only lo).
conf=$lxcpath/demo.conf
if ip link show lxcbr0 >/dev/null 2>&1; then
	printf 'lxc.net.0.type = veth\nlxc.net.0.link = lxcbr0\nlxc.net.0.flags = up\n' >"$conf"
else
	printf '# no lxcbr0 bridge on this host: no network device\nlxc.net.0.type = empty\n' >"$conf"
fi

step "create a busybox container in $lxcpath"
run "$bin/lxc-create" -P "$lxcpath" -n "$name" -t busybox -f "$conf"

step "start it"
run "$bin/lxc-start" -P "$lxcpath" -n "$name"
run "$bin/lxc-wait" -P "$lxcpath" -n "$name" -s RUNNING -t 30

step "run a command in it"
run "$bin/lxc-attach" -P "$lxcpath" -n "$name" -- /bin/sh -c 'echo "hello from $(hostname), init is $(cat /proc/1/comm)"; ps'

step "list containers"
run "$bin/lxc-ls" -P "$lxcpath" -f
run "$bin/lxc-info" -P "$lxcpath" -n "$name"

step "stop and destroy it"
run "$bin/lxc-stop" -P "$lxcpath" -n "$name" -t 10
run "$bin/lxc-destroy" -P "$lxcpath" -n "$name"
run "$bin/lxc-ls" -P "$lxcpath" -1

step "done"
