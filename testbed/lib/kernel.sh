# shellcheck shell=bash
# Sourced by the host-side testbed scripts: which guest kernel to boot.
# The newest /boot/vmlinuz-* by version sort; its modules come from
# /lib/modules/$KVER (host's own, read by the guest over 9p).

# tb_kernel: sets TB_VMLINUZ and TB_KVER, or fails with a message.
tb_kernel() {
    local newest
    newest=$(find /boot -maxdepth 1 -name 'vmlinuz-*' -printf '%f\n' 2>/dev/null | sort -V | tail -n 1)
    if [[ -z "$newest" ]]; then
        echo "testbed: no /boot/vmlinuz-* (install linux-image-amd64)" >&2
        return 1
    fi
    TB_VMLINUZ=/boot/$newest
    TB_KVER=${newest#vmlinuz-}
    if [[ ! -d /lib/modules/$TB_KVER ]]; then
        echo "testbed: $TB_VMLINUZ has no /lib/modules/$TB_KVER" >&2
        return 1
    fi
    if [[ ! -r $TB_VMLINUZ ]]; then
        echo "testbed: $TB_VMLINUZ is not readable" >&2
        return 1
    fi
    export TB_VMLINUZ TB_KVER
}
