#!/bin/bash
# bench/run.sh — golxc side by side with LXC 5.0.2, crun, runc and a bare
# `unshare` floor, in one run (make bench). Writes bench/results.md.
#
# Every benchmark is run in ROUNDS rounds; each round is one hyperfine
# invocation holding all contenders (with warm-up), and the order of the
# contenders is reversed every other round, so drift and background load
# hit everyone alike. The report merges the runs of all rounds and gives
# medians and interquartile ranges. Nothing here asserts a time.
#
# Everything lives in bench/work/run.PID and is torn down on exit, error or
# Ctrl-C: containers stopped (each toolset stops its own), OCI containers
# deleted, the directory removed; leftovers are reported.
#
# Knobs (environment): ROUNDS=3 RUNS=10 WARMUP=3 SLOW_RUNS=5 N_DEFINED=200
# N_RUNNING=50 GOLXC_BIN=<repo>/bin OUT=bench/results.md KEEP_WORK=1
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OURS=${GOLXC_BIN:-$ROOT/bin}
LXC=/usr/bin
ROUNDS=${ROUNDS:-3}
RUNS=${RUNS:-10}
WARMUP=${WARMUP:-3}
SLOW_RUNS=${SLOW_RUNS:-5}
N_DEFINED=${N_DEFINED:-200}
N_RUNNING=${N_RUNNING:-50}
OUT=${OUT:-$ROOT/bench/results.md}
WORK=$ROOT/bench/work/run.$$
DATA=$WORK/data
PO=$WORK/golxc # our lxcpath
PL=$WORK/lxc   # LXC's lxcpath
ID=gb$$        # prefix of OCI container ids
G=g$$ L=l$$    # prefixes of our and LXC's container names (unique host-wide:
               # cgroups are named after containers, others run tests too)
CGV2=/sys/fs/cgroup/unified

say() { printf '== %s\n' "$*" >&2; }
die() { printf 'bench/run.sh: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (make bench)"
for t in hyperfine crun runc unshare nsenter "$LXC/lxc-start" "$OURS/lxc-start" "$OURS/lxc-create"; do
	command -v "$t" >/dev/null || die "$t is missing (scripts/install-deps.sh bench; make build)"
done

# ---------------------------------------------------------------- cleanup
# Each toolset stops its own containers; then the OCI runtimes delete
# theirs; then whatever still mentions $WORK is reported and killed by pid.
cleanup() {
	local rc=$? left=""
	trap - EXIT INT TERM
	set +e
	say "cleaning up $WORK"
	for side in golxc lxc; do
		local bin=$OURS path=$PO
		[ $side = lxc ] && bin=$LXC path=$PL
		[ -d "$path" ] || continue
		for c in $("$bin/lxc-ls" -P "$path" --active -1 2>/dev/null); do
			"$bin/lxc-stop" -P "$path" -n "$c" -k >/dev/null 2>&1 &
		done
		wait
	done
	for id in $(crun list -q 2>/dev/null | grep "^$ID"); do
		unshare -m sh -c "umount $CGV2 2>/dev/null; crun delete -f $id" >/dev/null 2>&1
	done
	for id in $(runc --root "$WORK/runc" list -q 2>/dev/null); do
		runc --root "$WORK/runc" delete -f "$id" >/dev/null 2>&1
	done
	for p in /proc/[0-9]*; do
		if { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null | grep -q -- "$WORK/"; then
			[ "${p#/proc/}" = $$ ] && continue
			left="$left process ${p#/proc/}"
			kill -9 "${p#/proc/}" 2>/dev/null
		fi
	done
	for m in $(awk -v w="$WORK/" 'index($5, w) == 1 {print $5}' /proc/self/mountinfo | sort -r); do
		left="$left mount $m"
		umount -l "$m"
	done
	for cg in $(find /sys/fs/cgroup -maxdepth 4 -type d \( -name "lxc.*.$G*" -o -name "lxc.*.$L*" -o -name "*$ID*" \) 2>/dev/null); do
		left="$left cgroup $cg"
		rmdir "$cg" 2>/dev/null
	done
	[ -n "$left" ] && printf 'bench/run.sh: had to clean up:%s\n' "$left" >&2
	[ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"
	rmdir "$ROOT/bench/work" 2>/dev/null
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$DATA" "$PO" "$PL" "$WORK/bin" "$WORK/oci" "$WORK/runc"
: >"$DATA/metrics.tsv"
row() { printf 'row\t%s\t%s\n' "$1" "$2" >>"$DATA/metrics.tsv"; }
cruncalls() { printf 'cruncalls\t%s\t%s\n' "$1" "$2" >>"$DATA/metrics.tsv"; }
skip() { printf 'skip\t%s\t%s\n' "$1" "$2" >>"$DATA/metrics.tsv"; }
note() { printf 'note\t%s\n' "$*" >>"$DATA/metrics.tsv"; }
metricrow() { printf 'metricrow\t%s\t%s\n' "$1" "$2" >>"$DATA/metrics.tsv"; }
metric() { printf 'metric\t%s|%s\t%s\n' "$1" "$2" "$3" >>"$DATA/metrics.tsv"; }

# bench NAME RUNS WARMUP "name|side" "command" [--prepare "cmd"] ...:
# ROUNDS hyperfine invocations, contenders reversed every other round.
bench() {
	local name=$1 runs=$2 warm=$3
	shift 3
	local -a names=() cmds=() preps=()
	while [ $# -gt 0 ]; do
		names+=("$1") cmds+=("$2")
		if [ "${3:-}" = --prepare ]; then preps+=("$4"); shift 4; else preps+=(""); shift 2; fi
	done
	local r i n=${#names[@]}
	for r in $(seq 1 "$ROUNDS"); do
		local -a args=(-N --warmup "$warm" --runs "$runs" --export-json "$DATA/$name.$r.json" --style basic)
		local -a order=()
		for i in $(seq 0 $((n - 1))); do order+=("$i"); done
		[ $((r % 2)) = 0 ] && order=($(printf '%s\n' "${order[@]}" | tac))
		local any_prep=0
		for i in "${order[@]}"; do [ -n "${preps[$i]}" ] && any_prep=1; done
		for i in "${order[@]}"; do
			args+=(-n "${names[$i]}")
			[ $any_prep = 1 ] && args+=(--prepare "${preps[$i]:-true}")
		done
		for i in "${order[@]}"; do args+=("${cmds[$i]}"); done
		say "$name, round $r/$ROUNDS"
		if ! hyperfine "${args[@]}" >"$DATA/$name.$r.log" 2>&1; then
			# One failing contender voids the row, never the whole run.
			tail -5 "$DATA/$name.$r.log" >&2
			skip "$name" "failed in round $r: $(grep -m1 -i -E 'error|fail' "$DATA/$name.$r.log" | tr '|\t' '/ ' | cut -c1-160)"
			rm -f "$DATA/$name".*.json
			return 0
		fi
	done
}

# ---------------------------------------------------------- machine info
{
	echo "date:      $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "host:      $(uname -srm), $(nproc) cpus, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
	echo "cpu:       $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
	echo "cgroups:   $(if [ -d $CGV2 ]; then echo hybrid; elif [ -f /sys/fs/cgroup/cgroup.controllers ]; then echo unified; else echo legacy; fi)"
	echo "load:      before: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "golxc:     $(git -C "$ROOT" describe --tags --always --dirty 2>/dev/null || echo unknown) ($OURS)"
	echo "LXC:       $(dpkg-query -W -f '${Version}' lxc 2>/dev/null)"
	echo "crun:      $(crun --version | head -1)"
	echo "runc:      $(runc --version | head -1)"
	echo "hyperfine: $(hyperfine --version)"
	echo "rounds:    $ROUNDS × (warm-up $WARMUP + $RUNS runs; slow benchmarks $SLOW_RUNS runs)"
} >"$DATA/machine.txt"

# ------------------------------------------------------------ containers
# One busybox container per side from its own lxc-create; the same tree
# (LXC's) for the OCI bundles; no networking anywhere (lxc.net.0.type =
# empty; runc's default spec has a new netns with lo only).
say "creating busybox containers"
printf 'lxc.net.0.type = empty\n' >"$WORK/net.conf"
"$LXC/lxc-create" -P "$PL" -n ${L}1 -t busybox -f "$WORK/net.conf" >/dev/null
if ! "$OURS/lxc-create" -P "$PO" -n ${G}1 -t busybox -f "$WORK/net.conf" >/dev/null 2>"$WORK/create.err"; then
	die "our lxc-create -t busybox failed: $(cat "$WORK/create.err")"
fi
for n in 2 3; do
	cp -a "$PL/${L}1" "$PL/$L$n"
	sed -i "s#/${L}1/#/$L$n/#; s#\"${L}1\"#\"$L$n\"#" "$PL/$L$n/config"
	cp -a "$PO/${G}1" "$PO/$G$n"
	sed -i "s#/${G}1/#/$G$n/#; s#\"${G}1\"#\"$G$n\"#" "$PO/$G$n/config"
done

cp -a "$PL/${L}1/rootfs" "$WORK/oci/rootfs"
runc spec --bundle "$WORK/oci" 2>/dev/null || (cd "$WORK/oci" && runc spec)
mkdir -p "$WORK/oci/true" "$WORK/oci/sleep"
(cd "$ROOT" && go build -o "$WORK/bin/benchtool" ./bench/cmd/benchtool)
"$WORK/bin/benchtool" ocispec "$WORK/oci/config.json" "$WORK/oci/rootfs" "$WORK/oci/true/config.json" -- /bin/true
"$WORK/bin/benchtool" ocispec "$WORK/oci/config.json" "$WORK/oci/rootfs" "$WORK/oci/sleep/config.json" -- /bin/sleep 1000000

# crun 1.8 refuses a hybrid host with controllers on the cgroup2 mount;
# it runs in a private mount namespace without that mount (the v1
# hierarchies stay). The wrapper's own cost is measured as its own row.
CRUN="unshare -m sh -c 'umount $CGV2 2>/dev/null; exec \"\$0\" \"\$@\"' crun"
note "crun 1.8.1 refuses this hybrid host while controllers sit on $CGV2: each crun command runs as \`unshare -m sh -c 'umount $CGV2; exec crun …'\`. That wrapper alone is the row *crun wrapper*; crun's cells include it, the golxc ÷ crun ratio subtracts its median (once per crun command in the benchmark)."
note "OCI bundles: \`runc spec\` defaults (new pid, mount, ipc, uts, net namespaces, runc's masks) with process.args changed, on a copy of the busybox rootfs LXC's template made; state of runc in a private --root."
note "floor: \`unshare --fork --pid --mount --uts --ipc --net --cgroup /bin/true\` for execute and start/stop; \`nsenter -a -t PID /bin/true\` into the running container for attach."

# ------------------------------------------------------------ benchmarks
row execute "lxc-execute -- /bin/true (crun/runc: run)"
cruncalls execute 1
bench execute "$RUNS" "$WARMUP" \
	"execute|golxc" "$OURS/lxc-execute -P $PO -n ${G}1 -- /bin/true" \
	"execute|lxc" "$LXC/lxc-execute -P $PL -n ${L}1 -- /bin/true" \
	"execute|crun" "$CRUN run --bundle $WORK/oci/true ${ID}ce" \
	"execute|runc" "runc --root $WORK/runc run --bundle $WORK/oci/true ${ID}re" \
	"execute|floor" "unshare --fork --pid --mount --uts --ipc --net --cgroup /bin/true"
row crunwrap "crun wrapper (unshare -m, umount, exec /bin/true)"
bench crunwrap "$RUNS" "$WARMUP" "crunwrap|crun" "unshare -m sh -c 'umount $CGV2 2>/dev/null; exec /bin/true'"

cat >"$WORK/bin/cycle" <<EOF
#!/bin/sh
# start -> RUNNING -> hard stop, with one toolset
case \$1 in
golxc) "$OURS/lxc-start" -P "$PO" -n ${G}2 && exec "$OURS/lxc-stop" -P "$PO" -n ${G}2 -k ;;
lxc) "$LXC/lxc-start" -P "$PL" -n ${L}2 && exec "$LXC/lxc-stop" -P "$PL" -n ${L}2 -k ;;
crun) $CRUN run -d --bundle "$WORK/oci/sleep" ${ID}cc && exec $CRUN delete -f ${ID}cc ;;
runc) runc --root "$WORK/runc" run -d --bundle "$WORK/oci/sleep" ${ID}rc && exec runc --root "$WORK/runc" delete -f ${ID}rc ;;
esac
EOF
chmod +x "$WORK/bin/cycle"
row cycle "start → RUNNING → lxc-stop -k (crun/runc: run -d, delete -f)"
cruncalls cycle 2
bench cycle "$RUNS" "$WARMUP" \
	"cycle|golxc" "$WORK/bin/cycle golxc" "cycle|lxc" "$WORK/bin/cycle lxc" \
	"cycle|crun" "$WORK/bin/cycle crun" "cycle|runc" "$WORK/bin/cycle runc" \
	"cycle|floor" "unshare --fork --pid --mount --uts --ipc --net --cgroup /bin/true"
note "start/stop: each contender runs from a 3-line /bin/sh script (\`start && exec stop\`), the same small overhead for all."

# CPU per operation, every process counted (the command, monitors,
# stage-2, the container's processes and the kernel's work for them):
# the machine-wide busy time from /proc/stat over CPU_RUNS runs, per run,
# alternating sides over ROUNDS rounds; the median round is reported.
# Meaningful on a quiet machine only, as every figure here.
cpu_busy() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
cpu_per_run() { # CMD: ms of CPU per run of CMD
	local before after hz
	hz=$(getconf CLK_TCK)
	before=$(cpu_busy)
	for _ in $(seq 1 "$CPU_RUNS"); do eval "$1" >/dev/null 2>&1; done
	after=$(cpu_busy)
	echo $(((after - before) * 1000 / hz / CPU_RUNS))
}
CPU_RUNS=${CPU_RUNS:-30}
metricrow cpu-execute "CPU per lxc-execute -- /bin/true (all processes, /proc/stat)"
metricrow cpu-cycle "CPU per start → RUNNING → lxc-stop -k (all processes, /proc/stat)"
for what in execute cycle; do
	for side in golxc lxc; do : >"$DATA/cpu-$what-$side"; done
	for r in $(seq 1 "$ROUNDS"); do
		for side in golxc lxc; do
			case $what-$side in
			execute-golxc) cmd="$OURS/lxc-execute -P $PO -n ${G}1 -- /bin/true" ;;
			execute-lxc) cmd="$LXC/lxc-execute -P $PL -n ${L}1 -- /bin/true" ;;
			cycle-*) cmd="$WORK/bin/cycle $side" ;;
			esac
			cpu_per_run "$cmd" >>"$DATA/cpu-$what-$side"
		done
	done
	for side in golxc lxc; do
		metric "cpu-$what" $side "$(sort -n "$DATA/cpu-$what-$side" | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}') ms"
	done
done
note "CPU rows: machine-wide busy time (/proc/stat user, nice, system, irq, softirq, steal) over $CPU_RUNS runs, divided by the runs; median of $ROUNDS rounds, sides alternating. It counts every process of an operation, daemonized monitors and the container's own included."

say "starting the attach targets"
"$OURS/lxc-start" -P "$PO" -n ${G}3
"$LXC/lxc-start" -P "$PL" -n ${L}3
sh -c "$CRUN run -d --bundle $WORK/oci/sleep ${ID}ca" </dev/null >/dev/null
runc --root "$WORK/runc" run -d --bundle "$WORK/oci/sleep" "${ID}ra" </dev/null >/dev/null
L3PID=$("$LXC/lxc-info" -P "$PL" -n ${L}3 -p -H)
row attach "lxc-attach -- /bin/true (crun/runc: exec)"
cruncalls attach 1
bench attach "$RUNS" "$WARMUP" \
	"attach|golxc" "$OURS/lxc-attach -P $PO -n ${G}3 -- /bin/true" \
	"attach|lxc" "$LXC/lxc-attach -P $PL -n ${L}3 -- /bin/true" \
	"attach|crun" "$CRUN exec ${ID}ca /bin/true" \
	"attach|runc" "runc --root $WORK/runc exec ${ID}ra /bin/true" \
	"attach|floor" "nsenter -a -t $L3PID /bin/true"

row create-busybox "lxc-create -t busybox (then destroyed, untimed)"
bench create-busybox "$SLOW_RUNS" 1 \
	"create-busybox|golxc" "$OURS/lxc-create -P $PO -n ${G}c -t busybox -f $WORK/net.conf" --prepare "sh -c '$OURS/lxc-destroy -P $PO -n ${G}c -f >/dev/null 2>&1; true'" \
	"create-busybox|lxc" "$LXC/lxc-create -P $PL -n ${L}c -t busybox -f $WORK/net.conf" --prepare "sh -c '$LXC/lxc-destroy -P $PL -n ${L}c -f >/dev/null 2>&1; true'"
row create-debian "lxc-create -t debian (bookworm) from a warm cache"
# Each template keeps its own cache (LXC: debian/rootfs-RELEASE-ARCH, ours:
# debian/RELEASE/rootfs-ARCH). WARM_DEBIAN=1 (the default) fills whichever
# is missing first, untimed: one debootstrap each from the host's mirror,
# about two minutes apiece. WARM_DEBIAN=0 benchmarks only existing caches.
rel=bookworm
arch=$(dpkg --print-architecture)
lxc_cache=/var/cache/lxc/debian/rootfs-$rel-$arch
our_cache=/var/cache/lxc/debian/$rel/rootfs-$arch
if [ "${WARM_DEBIAN:-1}" = 1 ]; then
	if [ ! -d "$lxc_cache" ]; then
		say "warming LXC's debian cache (debootstrap, untimed)"
		"$LXC/lxc-create" -P "$PL" -n ${L}w -t debian -f "$WORK/net.conf" -- -r $rel >/dev/null 2>&1 || say "LXC's debian create failed"
		"$LXC/lxc-destroy" -P "$PL" -n ${L}w -f >/dev/null 2>&1 || true
	fi
	if [ ! -d "$our_cache" ]; then
		say "warming golxc's debian cache (debootstrap, untimed)"
		"$OURS/lxc-create" -P "$PO" -n ${G}w -t debian -f "$WORK/net.conf" -- -r $rel >/dev/null 2>&1 || say "our debian create failed"
		"$OURS/lxc-destroy" -P "$PO" -n ${G}w -f >/dev/null 2>&1 || true
	fi
fi
# Each create writes a 230 MiB rootfs; the prepare step syncs after the
# destroy so that no run pays for the previous run's writeback (back to
# back, the disk's dirty-page throttling dominated and grew run by run).
if [ -d "$lxc_cache" ] && [ -d "$our_cache" ]; then
	note "debian creates: each run's prepare step destroys the previous container and runs sync, so every create starts with no dirty pages to write back."
	bench create-debian "$SLOW_RUNS" 1 \
		"create-debian|golxc" "$OURS/lxc-create -P $PO -n ${G}d -t debian -f $WORK/net.conf -- -r $rel" --prepare "sh -c '$OURS/lxc-destroy -P $PO -n ${G}d -f >/dev/null 2>&1; sync'" \
		"create-debian|lxc" "$LXC/lxc-create -P $PL -n ${L}d -t debian -f $WORK/net.conf -- -r $rel" --prepare "sh -c '$LXC/lxc-destroy -P $PL -n ${L}d -f >/dev/null 2>&1; sync'"
else
	skip create-debian "skipped: no debian $rel cache for both templates (run with WARM_DEBIAN=1)"
fi

# The same on btrfs (a loop file in $WORK holding both caches and both
# lxcpaths): where the filesystem can clone, golxc's copier reflinks each
# file; LXC's template rsyncs as everywhere.
row create-debian-btrfs "lxc-create -t debian (bookworm) from a warm cache, cache and lxcpath on btrfs"
if [ -d "$lxc_cache" ] && [ -d "$our_cache" ] && command -v mkfs.btrfs >/dev/null; then
	BT=$WORK/btrfs
	truncate -s 6G "$WORK/btrfs.img"
	mkfs.btrfs -q "$WORK/btrfs.img" >/dev/null
	mkdir -p "$BT"
	mount -o loop "$WORK/btrfs.img" "$BT" # autoclear: umount frees the loop device
	mkdir -p "$BT/cache/debian/$rel" "$BT/golxc" "$BT/lxc"
	cp -a "$lxc_cache" "$BT/cache/debian/"
	cp -a "$our_cache" "$BT/cache/debian/$rel/"
	sync
	bench create-debian-btrfs "$SLOW_RUNS" 1 \
		"create-debian-btrfs|golxc" "env LXC_CACHE_PATH=$BT/cache $OURS/lxc-create -P $BT/golxc -n ${G}d -t debian -f $WORK/net.conf -- -r $rel" --prepare "sh -c '$OURS/lxc-destroy -P $BT/golxc -n ${G}d -f >/dev/null 2>&1; sync'" \
		"create-debian-btrfs|lxc" "env LXC_CACHE_PATH=$BT/cache $LXC/lxc-create -P $BT/lxc -n ${L}d -t debian -f $WORK/net.conf -- -r $rel" --prepare "sh -c '$LXC/lxc-destroy -P $BT/lxc -n ${L}d -f >/dev/null 2>&1; sync'"
	"$OURS/lxc-destroy" -P "$BT/golxc" -n ${G}d -f >/dev/null 2>&1
	"$LXC/lxc-destroy" -P "$BT/lxc" -n ${L}d -f >/dev/null 2>&1
	umount "$BT" && rm -f "$WORK/btrfs.img"
else
	skip create-debian-btrfs "skipped: needs both debian $rel caches and mkfs.btrfs (btrfs-progs)"
fi

# N_DEFINED config-only containers per side sharing one rootfs; the first
# N_RUNNING are started all at once (with `&`, then `wait`).
say "defining $N_DEFINED containers per side"
cp -a "$PL/${L}1/rootfs" "$WORK/shared-rootfs"
for side in golxc lxc; do
	path=$PO p=$G
	[ $side = lxc ] && path=$PL p=$L
	for i in $(seq -w 0 $((N_DEFINED - 1))); do
		mkdir -p "$path/${p}m$i"
		printf 'lxc.uts.name = %s\nlxc.rootfs.path = dir:%s\nlxc.net.0.type = empty\nlxc.autodev = 1\nlxc.mount.auto = proc:mixed sys:ro cgroup:mixed\nlxc.cap.drop = sys_module mac_admin mac_override sys_time\nlxc.init.cmd = /bin/sleep 1000000\nlxc.tty.max = 0\nlxc.pty.max = 1\n' \
			"${p}m$i" "$WORK/shared-rootfs" >"$path/${p}m$i/config"
	done
done
cat >"$WORK/bin/many" <<EOF
#!/bin/bash
# many start|stop SIDE: act on the first $N_RUNNING containers at once.
act=\$1 side=\$2 fail=0
case \$side in
golxc) bin=$OURS path=$PO p=$G ;;
lxc) bin=$LXC path=$PL p=$L ;;
esac
pids=()
for i in \$(seq -w 0 $((N_DEFINED - 1)) | head -$N_RUNNING); do
	case \$side-\$act in
	crun-start) $CRUN run -d --bundle $WORK/oci/sleep ${ID}cm\$i </dev/null >/dev/null & ;;
	crun-stop) $CRUN delete -f ${ID}cm\$i >/dev/null 2>&1 & ;;
	runc-start) runc --root $WORK/runc run -d --bundle $WORK/oci/sleep ${ID}rm\$i </dev/null >/dev/null & ;;
	runc-stop) runc --root $WORK/runc delete -f ${ID}rm\$i >/dev/null 2>&1 & ;;
	*-start) "\$bin/lxc-start" -P "\$path" -n \${p}m\$i & ;;
	*-stop) "\$bin/lxc-stop" -P "\$path" -n \${p}m\$i -k >/dev/null 2>&1 & ;;
	esac
	pids+=(\$!)
done
for pid in "\${pids[@]}"; do wait \$pid || fail=1; done
[ \$act = stop ] || exit \$fail
EOF
chmod +x "$WORK/bin/many"
row start50 "$N_RUNNING containers started at once (crun/runc: run -d)"
note "$N_RUNNING at once: crun's figure and ratio include its $N_RUNNING concurrent wrappers (not subtracted: they overlap)."
bench start50 "$SLOW_RUNS" 0 \
	"start50|golxc" "$WORK/bin/many start golxc" --prepare "$WORK/bin/many stop golxc" \
	"start50|lxc" "$WORK/bin/many start lxc" --prepare "$WORK/bin/many stop lxc" \
	"start50|crun" "$WORK/bin/many start crun" --prepare "$WORK/bin/many stop crun" \
	"start50|runc" "$WORK/bin/many start runc" --prepare "$WORK/bin/many stop runc"
"$WORK/bin/many" stop crun
"$WORK/bin/many" stop runc
for side in golxc lxc; do
	bin=$OURS path=$PO
	[ $side = lxc ] && bin=$LXC path=$PL
	n=$("$bin/lxc-ls" -P "$path" --running -1 | grep -c "^[gl]$$m" || true)
	note "after the $N_RUNNING-at-once benchmark $n containers of $side were running for the lxc-ls benchmark."
done

row ls "lxc-ls -f, $N_DEFINED defined, $N_RUNNING running"
bench ls "$RUNS" "$WARMUP" \
	"ls|golxc" "$OURS/lxc-ls -P $PO -f" \
	"ls|lxc" "$LXC/lxc-ls -P $PL -f"

# ------------------------------------------------------- memory, sizes
# Peak RSS (VmHWM) and PSS of one idle monitor after a few seconds.
sleep 3
metricrow monitor-hwm "idle monitor: peak RSS (VmHWM)"
metricrow monitor-pss "idle monitor: PSS (smaps_rollup)"
metricrow monitors-pss "all $N_RUNNING monitors: PSS total"
for side in golxc lxc; do
	path=$PO p=$G
	[ $side = lxc ] && path=$PL p=$L
	total=0 one=""
	for pid in $(pgrep -f "^\[lxc monitor\] $path ${p}m"); do
		pss=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup")
		total=$((total + pss))
		if [ -z "$one" ]; then
			one=$pid
			metric monitor-hwm $side "$(awk '/VmHWM/ {print $2, $3}' "/proc/$pid/status")"
			metric monitor-pss $side "$pss kB"
		fi
	done
	metric monitors-pss $side "$((total / 1024)) MiB"
done
note "crun and runc leave no process but the container's own after \`run -d\`: they have no monitor to measure."

say "installed sizes"
size_of() { find "$@" -type f -printf '%s\n' 2>/dev/null | awk '{s += $1} END {printf "%.1f MiB", s / 1048576}'; }
files_of() { dpkg -L "$@" 2>/dev/null | while read -r f; do [ -f "$f" ] && [ ! -L "$f" ] && printf '%s\0' "$f"; done | du -cb --files0-from=- | tail -1 | awk '{printf "%.1f MiB", $1 / 1048576}'; }
metricrow size-tools "installed toolset: one binary per tool (make install)"
metricrow size-multi "installed toolset: multicall (make install-multicall)"
metricrow size-pkg "installed toolset: Debian packages"
# make install writes man pages and completion into the source tree:
# install from a copy of it, so the run leaves the tree as it found it.
mkdir -p "$WORK/src"
tar -C "$ROOT" --exclude=./.git --exclude=./bench/work --exclude=./bin -cf - . | tar -C "$WORK/src" -xf -
if make -s -C "$WORK/src" install DESTDIR="$WORK/inst-tools" PREFIX=/usr >"$WORK/install.log" 2>&1; then
	metric size-tools golxc "$(size_of "$WORK/inst-tools")"
else
	metric size-tools golxc "make install failed: $(tail -1 "$WORK/install.log" | tr '|\t' '/ ' | cut -c1-80)"
fi
if make -s -C "$WORK/src" install-multicall DESTDIR="$WORK/inst-multi" PREFIX=/usr >>"$WORK/install.log" 2>&1; then
	metric size-multi golxc "$(size_of "$WORK/inst-multi")"
else
	metric size-multi golxc "make install-multicall failed: $(tail -1 "$WORK/install.log" | tr '|\t' '/ ' | cut -c1-80)"
fi
metric size-pkg lxc "lxc $(files_of lxc); + liblxc1 + liblxc-common $(files_of lxc liblxc1 liblxc-common)"
metric size-pkg crun "$(files_of crun)"
metric size-pkg runc "$(files_of runc)"
note "sizes: regular files only. golxc: binaries, templates, man pages, completion as make installs them; Debian: every file the packages list (lxc holds the tools, hooks, config and man pages; the library is liblxc1; lxc-templates is not counted)."

echo "load:      after:  $(cut -d' ' -f1-3 /proc/loadavg)" >>"$DATA/machine.txt"
"$WORK/bin/benchtool" report "$DATA" "$OUT"
say "wrote $OUT"
headline=$(awk '/^## Headline/ { h = 1; next } h && /^```$/ { if (in_block) exit; in_block = 1; next } in_block' "$OUT")
printf '%s\n' "$headline" >&2
# The README quotes the headline of the committed results (checked by
# tests/compat TestReadmeBenchHeadline): refresh it with them.
if [ "$OUT" = "$ROOT/bench/results.md" ] && grep -q '^<!-- bench-headline begin -->$' "$ROOT/README.md"; then
	printf '%s\n' "$headline" >"$WORK/headline.txt"
	awk -v h="$WORK/headline.txt" '
		/^<!-- bench-headline end -->$/ { skip = 0 }
		!skip { print }
		/^<!-- bench-headline begin -->$/ {
			print "```"; while ((getline l < h) > 0) print l; print "```"; skip = 1
		}' "$ROOT/README.md" >"$WORK/README.md" && cat "$WORK/README.md" >"$ROOT/README.md"
	say "updated the headline in README.md"
fi
