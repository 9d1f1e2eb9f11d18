#!/bin/bash
# mkinitramfs.sh OUT.cpio.gz
#
# Builds a tiny busybox-static initramfs for the newest /boot/vmlinuz-*:
# loads the virtio/9p/overlay modules, mounts the host's / (9p tag "root")
# read-only under a tmpfs overlay, mounts the 9p tag "out" at /mnt/out and
# switch_roots to the program named by tb.init= on the kernel command line.
# Idempotent: does nothing if OUT exists and is newer than this script.
set -euo pipefail

usage() { echo "usage: $0 OUT.cpio.gz" >&2; exit 2; }
[[ $# -eq 1 ]] || usage
out=$1
self=$(readlink -f "${BASH_SOURCE[0]}")
here=$(dirname "$self")
# shellcheck source=lib/kernel.sh
source "$here/kernel.sh"
tb_kernel

if [[ -s "$out" && "$out" -nt "$self" && "$out" -nt "$here/kernel.sh" ]]; then
    exit 0
fi

busybox=/bin/busybox
if ! file -L "$busybox" 2>/dev/null | grep -q 'statically linked'; then
    # busybox (dynamic) and busybox-static both install /bin/busybox.
    echo "mkinitramfs: $busybox is missing or not static (install busybox-static)" >&2
    exit 1
fi
for tool in cpio gzip modprobe; do
    command -v "$tool" >/dev/null || { echo "mkinitramfs: $tool not found" >&2; exit 1; }
done

work=$(mktemp -d /tmp/tb-initramfs.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work"/{bin,dev,proc,sys,lower,rw,newroot,lib/modules}
cp "$busybox" "$work/bin/busybox"
ln -s busybox "$work/bin/sh"

# Modules in dependency order. modprobe takes only ONE module per
# --show-depends call (further words are module parameters), so loop, and
# keep the first occurrence of each file. "builtin X" lines need nothing.
declare -A seen=()
order=()
for mod in virtio_pci 9pnet_virtio 9p overlay; do
    while read -r verb path _; do
        [[ $verb == insmod ]] || continue
        [[ -n ${seen[$path]:-} ]] && continue
        seen[$path]=1
        order+=("$path")
    done < <(modprobe -S "$TB_KVER" --show-depends "$mod")
done
: > "$work/lib/modules/order"
for path in "${order[@]}"; do
    base=$(basename "$path")
    case $base in
        *.ko)     cp "$path" "$work/lib/modules/$base" ;;
        *.ko.xz)  base=${base%.xz};  xz -dc "$path" > "$work/lib/modules/$base" ;;
        *.ko.zst) base=${base%.zst}; zstd -qdc "$path" > "$work/lib/modules/$base" ;;
        *.ko.gz)  base=${base%.gz};  gzip -dc "$path" > "$work/lib/modules/$base" ;;
        *) echo "mkinitramfs: unexpected module file $path" >&2; exit 1 ;;
    esac
    echo "$base" >> "$work/lib/modules/order"
done

cat > "$work/init" <<'INIT'
#!/bin/sh
# testbed initramfs /init (busybox sh). Any failure: say why, power off.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
fatal() {
    echo "tb-initramfs: FATAL: $*"
    sleep 1
    poweroff -f
}
while read -r m; do
    insmod "/lib/modules/$m" || fatal "insmod $m failed"
done < /lib/modules/order
tbinit=
for arg in $(cat /proc/cmdline); do
    case $arg in tb.init=*) tbinit=${arg#tb.init=} ;; esac
done
[ -n "$tbinit" ] || fatal "no tb.init= on the kernel command line"
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose root /lower \
    || fatal "mount of 9p root failed"
mount -t tmpfs -o size=2g,mode=0755 tmpfs /rw || fatal "tmpfs /rw failed"
mkdir -p /rw/upper /rw/work
mount -t overlay overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work /newroot \
    || fatal "overlay mount failed"
mkdir -p /newroot/mnt/out
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 out /newroot/mnt/out \
    || fatal "mount of 9p out share failed"
[ -x "/newroot$tbinit" ] || fatal "tb.init=$tbinit is not executable in the guest root"
umount /proc /sys
mount --move /dev /newroot/dev
exec switch_root /newroot "$tbinit"
INIT
chmod 0755 "$work/init"

tmp="$out.tmp.$$"
mkdir -p "$(dirname "$out")"
(cd "$work" && find . -print0 | cpio --null -o -H newc --owner=0:0 --quiet) | gzip -1 > "$tmp"
mv -f "$tmp" "$out"
echo "mkinitramfs: built $out for $TB_KVER (${#order[@]} modules, $(du -k "$out" | cut -f1) KiB)" >&2
