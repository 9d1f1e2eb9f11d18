#!/bin/bash
# vm.sh --script /abs/guest-script.sh --out DIR [--timeout SECONDS] [--mem MB]
#       [--smp N] [--env KEY=VALUE]...
#
# Boots the newest /boot/vmlinuz-* under qemu TCG with the host's / as the
# guest's root (read-only 9p + tmpfs overlay: guest writes vanish) and DIR
# as /mnt/out (read-write 9p), runs the guest script as root in the guest,
# and exits with the script's exit code.
#
# DIR gets: console.log (serial), qemu.log (qemu's stderr), env (KEY=VALUE
# lines the guest sources before the script: TB_OUT, TB_HOME, BRICKD_HOME and
# every --env), script.log (script stdout+stderr), rc, dmesg.log, started /
# ended (guest uptime at script start / end).
#
# Exit code: the guest script's rc; 97 if the guest never wrote rc (boot
# failure, kernel panic, qemu died, timeout) with the reason and the last 40
# lines of console.log on stderr; 96 if the guest kernel locked up (a CPU
# stuck for TB_LOCKUP_LIMIT seconds, default 90, by its own soft-lockup
# watchdog) or the bed's FC target deadlocked (fc_target_deadlock below):
# the VM is stopped at once, DIR/lockup.txt gets every vCPU's
# registers and DIR/dmesg.log (followed by the guest) the stuck CPU's trace;
# 2 on bad usage.
#
# The guest sees the host's files, except that /tmp, /run and /dev/shm are
# fresh tmpfs in the guest: the script must not live there. The repo this script
# belongs to is shared again at its own path (tb.repo=), so a clone under /tmp works.
set -euo pipefail

self=$(readlink -f "${BASH_SOURCE[0]}")
tb_home=$(dirname "$self")
repo=$(dirname "$tb_home")
# shellcheck source=lib/kernel.sh
source "$tb_home/lib/kernel.sh"

usage() {
    sed -n '2,3p' "$self" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

script='' out='' timeout_s=1200 mem=2048 smp=2
envs=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --script)  script=${2:?}; shift 2 ;;
        --out)     out=${2:?}; shift 2 ;;
        --timeout) timeout_s=${2:?}; shift 2 ;;
        --mem)     mem=${2:?}; shift 2 ;;
        --smp)     smp=${2:?}; shift 2 ;;
        --env)     envs+=("${2:?}"); shift 2 ;;
        -h|--help) usage ;;
        *) echo "vm.sh: unknown argument: $1" >&2; usage ;;
    esac
done
[[ -n $script && -n $out ]] || usage
[[ $script == /* ]] || { echo "vm.sh: --script must be an absolute path" >&2; exit 2; }
[[ -r $script ]] || { echo "vm.sh: --script $script: not readable" >&2; exit 2; }
case $script in
    "$repo"/*) ;;  # the repo is shared into the guest at its own path, wherever it lives
    /tmp/*|/run/*|/dev/*|/proc/*|/sys/*|/mnt/out/*)
        echo "vm.sh: --script $script: that path is a fresh tmpfs/pseudo fs in the guest" >&2
        exit 2 ;;
esac
[[ $timeout_s =~ ^[0-9]+$ && $mem =~ ^[0-9]+$ && $smp =~ ^[0-9]+$ ]] \
    || { echo "vm.sh: --timeout, --mem and --smp take integers" >&2; exit 2; }
for kv in "${envs[@]}"; do
    [[ $kv =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || { echo "vm.sh: --env $kv: want KEY=VALUE" >&2; exit 2; }
done
if [[ ${#script} -gt 200 || $script =~ [[:space:]] ]]; then
    echo "vm.sh: --script path must be short and contain no spaces (kernel command line)" >&2
    exit 2
fi
command -v qemu-system-x86_64 >/dev/null || { echo "vm.sh: qemu-system-x86_64 missing (apt-get install qemu-system-x86)" >&2; exit 1; }

tb_kernel
mkdir -p "$out"
out=$(readlink -f "$out")
cache=${TB_CACHE:-/tmp/tb-cache}
initrd=$cache/initramfs-$TB_KVER.cpio.gz
"$tb_home/lib/mkinitramfs.sh" "$initrd"

rm -f "$out"/{rc,rc.tmp,started,ended,script.log,dmesg.log,console.log,qemu.log,env,lockup.txt,monitor.sock}
{
    printf '%s=%q\n' TB_OUT /mnt/out TB_HOME "$tb_home" BRICKD_HOME "$repo"
    for kv in "${envs[@]}"; do
        printf '%s=%q\n' "${kv%%=*}" "${kv#*=}"
    done
} > "$out/env"

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

qemu_pid=
# SIGTERM, up to 5 s for qemu to go, then SIGKILL.
stop_qemu() {
    local i
    kill "$qemu_pid" 2>/dev/null || return 0
    for (( i = 0; i < 50; i++ )); do
        kill -0 "$qemu_pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -9 "$qemu_pid" 2>/dev/null || true
}

# shellcheck disable=SC2317  # invoked through the EXIT trap
cleanup() {
    if [[ -n $qemu_pid ]]; then
        stop_qemu
    fi
}
trap cleanup EXIT
trap 'echo "vm.sh: interrupted" >&2; exit 130' INT TERM

# modprobe.blacklist: -cpu max under TCG exposes SVM and udev would load kvm_amd; the bed's
# domains are type='qemu', and with /dev/kvm present libvirtd's capability probe also
# starts qemu with nested KVM on emulated SVM, a second probe nothing here needs.
t0=$(now)
qemu-system-x86_64 -accel tcg -machine q35 -cpu max -smp "$smp" -m "$mem" \
    -display none -no-reboot -nic none -monitor "unix:$out/monitor.sock,server=on,wait=off" \
    -serial "file:$out/console.log" \
    -kernel "$TB_VMLINUZ" -initrd "$initrd" \
    -append "console=ttyS0 panic=-1 loglevel=4 modprobe.blacklist=kvm_amd,kvm_intel,kvm tb.init=$tb_home/guest/init.sh tb.script=$script tb.repo=$repo" \
    -virtfs local,path=/,mount_tag=root,security_model=none,readonly=on,multidevs=remap \
    -virtfs "local,path=$repo,mount_tag=repo,security_model=none,readonly=on,multidevs=remap" \
    -virtfs "local,path=$out,mount_tag=out,security_model=none,multidevs=remap" \
    </dev/null >"$out/qemu.log" 2>&1 &
qemu_pid=$!
echo "vm.sh: qemu pid $qemu_pid, kernel $TB_KVER, script $script, out $out, timeout ${timeout_s}s" >&2

# The guest's soft-lockup watchdog reports a stuck CPU every ~28 s; a CPU stuck this long
# never came back in any run seen here (under TCG a starved vCPU thread catches up in seconds).
lockup_limit=${TB_LOCKUP_LIMIT:-90}
[[ $lockup_limit =~ ^[0-9]+$ ]] || { echo "vm.sh: TB_LOCKUP_LIMIT must be an integer" >&2; exit 2; }

# Prints the longest "soft lockup - CPU#N stuck for Ss! [task]" of console.log as "S N task".
longest_lockup() {
    grep -ao 'soft lockup - CPU#[0-9]* stuck for [0-9]*s! \[[^]]*\]' "$out/console.log" 2>/dev/null \
        | sed -E 's/.*CPU#([0-9]+) stuck for ([0-9]+)s! \[([^]]*)\]/\2 \1 \3/' | sort -n | tail -n 1
}

# Every vCPU's registers from the qemu monitor (the guest's dmesg.log has the symbolic trace).
dump_lockup() {
    local dest=$out/lockup.txt
    {
        echo "# $1"
        echo "# qemu monitor 'info registers -a'; the stuck CPU's own report, with its call trace, is in dmesg.log"
        python3 - "$out/monitor.sock" <<'PY' || echo "(the qemu monitor did not answer)"
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
s.sendall(b"info registers -a\n")
data, end = b"", time.monotonic() + 10
while time.monotonic() < end:
    try:
        chunk = s.recv(65536)
    except socket.timeout:
        break
    if not chunk:
        break
    data += chunk
    if data.count(b"(qemu)") >= 2:
        break
text = data.decode("utf-8", "replace").replace("\r", "")
sys.stdout.write("\n".join(l for l in text.split("\n") if "\x1b" not in l and not l.startswith("(qemu)")) + "\n")
PY
    } > "$dest" 2>&1
}

# The bed's own FC target deadlocking (not brickd's doing, and only possible because target
# and initiator share one kernel): an FCoE link goes down while LIO's tcm_fc still owes the
# initiator a response; tcm_fc re-queues it forever ("ft_queue_status: Failed to send response
# frame"), its PRLO handling waits for that command on libfc's rport workqueue, which the
# initiator's rports share, so their I/O never fails over and dm-multipath, multipathd and the
# test hang. Seen once in nine full runs (2026-11-24). The kernel's hung-task report (after
# 120 s) with tcm_fc's PRLO in a trace is the signature.
fc_target_deadlock() {
    grep -aq 'blocked for more than' "$out/console.log" 2>/dev/null || return 1
    grep -aq 'ft_prlo' "$out/dmesg.log" 2>/dev/null || return 1
    grep -aq 'ft_queue_status: Failed to send response frame' "$out/dmesg.log" 2>/dev/null
}

# Prints what went wrong in the guest kernel, if anything did: a lockup or the FC target's deadlock.
guest_kernel_failure() {
    local stuck_s stuck_cpu stuck_task
    read -r stuck_s stuck_cpu stuck_task < <(longest_lockup; echo) || true
    if [[ -n ${stuck_s:-} ]] && (( stuck_s >= lockup_limit )); then
        echo "guest kernel lockup: CPU#$stuck_cpu stuck for ${stuck_s} s in $stuck_task (guest soft-lockup watchdog)"
    elif fc_target_deadlock; then
        echo "guest kernel deadlock: the bed's FC target (LIO tcm_fc) deadlocked after an FCoE link went down with a"\
             "response still owed: hung tasks, ft_prlo waiting on libfc's rport workqueue (see dmesg.log)"
    fi
}

t_started='' reason='' lockup='' polls=0
deadline=$(( $(date +%s) + timeout_s ))
while kill -0 "$qemu_pid" 2>/dev/null; do
    if (( ++polls % 10 == 0 )); then
        lockup=$(guest_kernel_failure)
        if [[ -n $lockup ]]; then
            dump_lockup "$lockup"
            reason="$lockup; registers in $out/lockup.txt"
            stop_qemu
            break
        fi
    fi
    if [[ -z $t_started && -e $out/started ]]; then
        t_started=$(now)
        echo "vm.sh: guest script started after $(secs "$t0" "$t_started")s (guest uptime $(cat "$out/started")s)" >&2
    fi
    if (( $(date +%s) >= deadline )); then
        reason="timeout after ${timeout_s} s"
        stop_qemu
        break
    fi
    sleep 0.5
done
qemu_rc=0
wait "$qemu_pid" || qemu_rc=$?
qemu_pid=
t1=$(now)
if [[ -z $t_started && -e $out/started ]]; then
    t_started=$t1   # started and ended within one poll
fi

boot_s=n/a script_s=n/a
[[ -n $t_started ]] && boot_s=$(secs "$t0" "$t_started")s
if [[ -r $out/started && -r $out/ended ]]; then
    script_s=$(secs "$(cat "$out/started")" "$(cat "$out/ended")")s
fi
echo "vm.sh: timings: boot-to-script $boot_s, script $script_s (guest clock), total $(secs "$t0" "$t1")s" >&2

rc=
if [[ -r $out/rc ]]; then
    rc=$(tr -dc '0-9' < "$out/rc")
fi
if [[ -z $reason && -z $rc ]]; then
    if grep -q 'Kernel panic' "$out/console.log" 2>/dev/null; then
        reason="kernel panic: $(grep -m1 -o 'Kernel panic.*' "$out/console.log" | tr -d '\r')"
    elif [[ ! -s $out/console.log ]]; then
        reason="qemu exited (status $qemu_rc) before the guest script ended; console.log is empty: the kernel never printed (too little --mem?)"
    elif [[ $qemu_rc -ne 0 ]]; then
        reason="qemu exited with status $qemu_rc before the guest script ended"
    else
        reason="qemu exited before the guest script ended"
    fi
fi
if [[ -n $reason || -z $rc ]]; then
    echo "vm.sh: FAILED: $reason" >&2
    if [[ -s $out/qemu.log ]]; then
        echo "---- qemu.log (last 10 lines) ----" >&2
        tail -n 10 "$out/qemu.log" >&2
    fi
    echo "---- console.log (last 40 lines) ----" >&2
    tail -n 40 "$out/console.log" >&2 2>/dev/null || echo "(no console.log)" >&2
    if [[ -s $out/script.log ]]; then
        echo "---- script.log (last 20 lines) ----" >&2
        tail -n 20 "$out/script.log" >&2
    fi
    if [[ -n $lockup ]]; then
        echo "---- the kernel's first report in dmesg.log ----" >&2
        grep -a -A25 -m1 'soft lockup - CPU#\|blocked for more than' "$out/dmesg.log" >&2 || echo "(not in dmesg.log)" >&2
        exit 96
    fi
    exit 97
fi
if [[ $rc -ne 0 ]]; then
    echo "vm.sh: guest script FAILED with rc $rc; last 30 lines of $out/script.log:" >&2
    tail -n 30 "$out/script.log" >&2 || true
else
    echo "vm.sh: guest script passed (rc 0); log in $out/script.log" >&2
fi
exit "$rc"
