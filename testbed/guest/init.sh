#!/bin/bash
# Guest PID 1 of the testbed (started by the initramfs via tb.init=).
#
# Sets up the minimal system (no systemd), runs the script named by
# tb.script= on the kernel command line with output to /mnt/out/script.log,
# writes its exit code to /mnt/out/rc, dmesg to /mnt/out/dmesg.log (followed
# while the script runs, so a guest that locks up still leaves its kernel log;
# whole again at the end), powers off. rc is ALWAYS written (EXIT trap): 127 if the script is missing,
# 98 if this init failed before it could run the script.
# /mnt/out/env (KEY=VALUE lines written by vm.sh) is sourced and exported
# for the script. /mnt/out/started gets the guest uptime at script start.
set -euo pipefail

OUT=/mnt/out
RC=98            # until the script has run: "init failed"
follower=        # the background dmesg --follow
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=dumb

say() { echo "tb-init: $*"; }

# shellcheck disable=SC2317  # invoked through the EXIT trap
finish() {
    trap - EXIT ERR
    set +e
    echo "$RC" > "$OUT/rc.tmp" && mv -f "$OUT/rc.tmp" "$OUT/rc"
    say "script exit code $RC"
    [[ -n $follower ]] && kill "$follower" 2>/dev/null && wait "$follower" 2>/dev/null
    dmesg > "$OUT/dmesg.log" 2>&1
    sync
    umount "$OUT" 2>/dev/null
    sync
    /bin/busybox poweroff -f
    # PID 1 must never return: a panic (panic=-1 + -no-reboot) also ends qemu.
    sleep 5
}
trap finish EXIT
trap 'say "FAILED at line $LINENO: $BASH_COMMAND"' ERR

# Optional mounts: a failure is reported but does not stop the run.
try() { "$@" || say "warning: failed: $*"; }

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mkdir -p /dev/pts /dev/shm
mount -t devpts -o gid=5,mode=620,ptmxmode=000 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t tmpfs -o mode=0755 tmpfs /run
mount -t tmpfs -o mode=1777 tmpfs /tmp
# the repo under test, shared read-only at its host path (it may live under /tmp or /run)
for arg in $(cat /proc/cmdline); do
    case $arg in tb.repo=/*)
        repo_dir=${arg#tb.repo=}
        mkdir -p "$repo_dir"
        mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000 repo "$repo_dir" \
            || say "mount of the repo share at $repo_dir failed" ;;
    esac
done
mkdir -p /run/lock
chmod 1777 /run/lock
try modprobe configfs
try mount -t configfs configfs /sys/kernel/config
try mount -t cgroup2 cgroup2 /sys/fs/cgroup
try mount -t debugfs debugfs /sys/kernel/debug
ln -sfn /proc/self/fd /dev/fd
ln -sfn /proc/self/fd/0 /dev/stdin
ln -sfn /proc/self/fd/1 /dev/stdout
ln -sfn /proc/self/fd/2 /dev/stderr
hostname testbed
# Without it sudo and friends warn "unable to resolve host testbed".
grep -q '[[:space:]]testbed$' /etc/hosts 2>/dev/null || echo "127.0.1.1 testbed" >> /etc/hosts
ip link set lo up

script=
read -ra cmdline < /proc/cmdline
for arg in "${cmdline[@]}"; do
    case $arg in tb.script=*) script=${arg#tb.script=} ;; esac
done

if [[ -f $OUT/env ]]; then
    set -a
    # shellcheck disable=SC1091
    source "$OUT/env"
    set +a
fi

cd /
dmesg --follow > "$OUT/dmesg.log" 2>&1 &
follower=$!
read -r up _ < /proc/uptime
echo "$up" > "$OUT/started"
if [[ -z $script ]]; then
    say "no tb.script= on the kernel command line"
    echo "tb-init: no tb.script= on the kernel command line" > "$OUT/script.log"
    RC=127
elif [[ ! -r $script ]]; then
    say "script $script not found in the guest"
    echo "tb-init: script $script not found or not readable in the guest" > "$OUT/script.log"
    RC=127
else
    say "running $script (uptime ${up}s)"
    set +e
    bash "$script" > "$OUT/script.log" 2>&1 < /dev/null
    RC=$?
    set -e
fi
read -r up _ < /proc/uptime
echo "$up" > "$OUT/ended"
exit "$RC"    # -> finish
