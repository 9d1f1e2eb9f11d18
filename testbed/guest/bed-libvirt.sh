# shellcheck shell=bash
# bed-libvirt.sh - libvirt inside the testbed guest (no systemd), sourced after bed.sh:
#   source "$TB_HOME/guest/bed-libvirt.sh"
# Same conventions as bed.sh: idempotent, one timed "bed: ..." line on stderr,
# "bed: ERROR: ..." and return 1 on failure. Recipe: ../shared/reference/kernel-testbed.md §6.

# bed_libvirtd: virtlogd + libvirtd as daemons, qemu driver running domains as root
# without a security driver (no AppArmor/SELinux in the guest), answering on
# qemu:///system. libvirtd probes qemu's capabilities first: ~20 s under TCG.
bed_libvirtd() {
    local t conf=/etc/libvirt/qemu.conf
    t=$(_bed_now)
    command -v libvirtd >/dev/null || { _bed_err "libvirtd is not installed (bin/install-deps installs libvirt-daemon-system)"; return 1; }
    if ! pgrep -x libvirtd >/dev/null; then
        # the guest's /etc is an overlay: the host's qemu.conf is not changed
        grep -q '^security_driver = "none"' "$conf" 2>/dev/null || cat >> "$conf" <<'CONF'
security_driver = "none"
user = "root"
group = "root"
CONF
        mkdir -p /var/log/libvirt/qemu /var/lib/libvirt/qemu /var/cache/libvirt/qemu /run/libvirt
        pgrep -x virtlogd >/dev/null || virtlogd -d || { _bed_err "virtlogd did not start"; return 1; }
        libvirtd -d || { _bed_err "libvirtd did not start"; return 1; }
    fi
    bed_wait 180 "libvirtd answering on qemu:///system" virsh -c qemu:///system version || return 1
    _bed_done libvirtd "$t"
}
