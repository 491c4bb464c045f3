#!/bin/bash
# bench/profile.sh — where our lxc-start spends its time, next to LXC's.
#
#  1. phases: N starts of one busybox container with `-l trace -o LOG`;
#     the wall clock around each call plus the log's timestamps give the
#     median time of each phase (benchtool phases);
#  2. perf stat: CPU time, page faults and context switches of lxc-start
#     (and the monitor and stage-2 it starts, until it returns), ours and
#     LXC's on the same container config;
#  3. perf record (PERF_RECORD=1): a call-graph profile of N start/stop
#     cycles by process and by symbol (needs binaries with symbols: run
#     with GOLXC_BIN pointing at a build without -s -w).
# Everything lives in a temp dir, stopped and removed on exit.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OURS=${GOLXC_BIN:-$ROOT/bin}
LXC=/usr/bin
N=${N:-15}
[ "$(id -u)" = 0 ] || { echo "profile.sh: run as root" >&2; exit 1; }
WORK=$(mktemp -d /tmp/golxc-profile.XXXXXX)
G=pg$$ L=pl$$
cleanup() {
	trap - EXIT INT TERM
	"$OURS/lxc-stop" -P "$WORK/golxc" -n "$G" -k >/dev/null 2>&1 || true
	"$LXC/lxc-stop" -P "$WORK/lxc" -n "$L" -k >/dev/null 2>&1 || true
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
printf 'lxc.net.0.type = empty\n' >"$WORK/net.conf"
"$LXC/lxc-create" -P "$WORK/lxc" -n "$L" -t busybox -f "$WORK/net.conf" >/dev/null
"$OURS/lxc-create" -P "$WORK/golxc" -n "$G" -t busybox -f "$WORK/net.conf" >/dev/null
(cd "$ROOT" && go build -o "$WORK/benchtool" ./bench/cmd/benchtool)

echo "== phases of our lxc-start ($N starts, load $(cut -d' ' -f1-3 /proc/loadavg))"
: >"$WORK/list"
for i in $(seq 1 "$N"); do
	sleep 0.3
	# $EPOCHREALTIME, not date(1): a fork after lxc-start returns would
	# be counted as part of its return.
	t0=${EPOCHREALTIME/./}000
	"$OURS/lxc-start" -P "$WORK/golxc" -n "$G" -l trace -o "$WORK/trace.$i"
	t1=${EPOCHREALTIME/./}000
	echo "$t0 $t1 $WORK/trace.$i" >>"$WORK/list"
	"$OURS/lxc-stop" -P "$WORK/golxc" -n "$G" -k
done
"$WORK/benchtool" phases "$WORK/list"

if command -v perf >/dev/null; then
	echo "== perf stat of lxc-start (median of $N; until lxc-start returns)"
	for side in golxc lxc; do
		bin=$OURS name=$G
		[ $side = lxc ] && bin=$LXC name=$L
		for i in $(seq 1 "$N"); do
			sleep 0.3
			perf stat -x, -e task-clock,page-faults,context-switches -- "$bin/lxc-start" -P "$WORK/$side" -n "$name" 2>&1 | cut -d, -f1 | tr '\n' ' '
			echo
			"$bin/lxc-stop" -P "$WORK/$side" -n "$name" -k
		done | sort -n | awk -v s=$side '{a[NR]=$0} END {split(a[int((NR+1)/2)], m, " "); printf "  %-6s task-clock %s ms, page faults %s, context switches %s\n", s, m[1], m[2], m[3]}'
	done
	if [ -n "${PERF_RECORD:-}" ]; then
		echo "== perf record of $N start/stop cycles"
		perf record -q -F 4000 -g -o "$WORK/perf.data" -- sh -c "for i in \$(seq 1 $N); do $OURS/lxc-start -P $WORK/golxc -n $G; $OURS/lxc-stop -P $WORK/golxc -n $G -k; done" >/dev/null 2>&1
		perf report -i "$WORK/perf.data" --no-children --sort comm,dso -g none -q 2>/dev/null | grep -v '^$' | head -12
		perf report -i "$WORK/perf.data" --children --sort sym -g none -q 2>/dev/null | grep -E 'golxc|runtime\.(main|schedinit|doInit1)|json' | head -25
	fi
fi
