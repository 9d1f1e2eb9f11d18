# shellcheck shell=bash
# bed-libvirt.sh - libvirt inside the testbed guest (no systemd), sourced after bed.sh:
#   source "$TB_HOME/guest/bed-libvirt.sh"
# Same conventions as bed.sh: idempotent, one timed "bed: ..." line on stderr,
# "bed: ERROR: ..." and return 1 on failure. Recipe: ../shared/reference/kernel-testbed.md §6.

# bed_libvirtd: virtlogd + libvirtd as daemons, qemu driver running domains as root
# without a security driver (no AppArmor/SELinux in the guest), answering on
# qemu:///system. libvirtd probes qemu's capabilities first: ~20 s under TCG. Every
# step is bounded (a virsh call blocks for as long as libvirtd has not finished its
# start-up); when libvirtd does not answer, its log and its threads' wait channels
# go to stderr so the run says why.
bed_libvirtd() {
    local t conf=/etc/libvirt/qemu.conf dconf=/etc/libvirt/libvirtd.conf
    t=$(_bed_now)
    command -v libvirtd >/dev/null || { _bed_err "libvirtd is not installed (bin/install-deps installs libvirt-daemon-system)"; return 1; }
    if ! pgrep -x libvirtd >/dev/null; then
        # the guest's /etc is an overlay: the host's qemu.conf and libvirtd.conf are not changed
        grep -q '^security_driver = "none"' "$conf" 2>/dev/null || cat >> "$conf" <<'CONF'
security_driver = "none"
user = "root"
group = "root"
CONF
        grep -q '^log_outputs' "$dconf" 2>/dev/null || cat >> "$dconf" <<'CONF'
log_level = 3
log_filters = "1:qemu_capabilities 1:qemu_process"
log_outputs = "1:file:/var/log/libvirt/libvirtd.log"
CONF
        mkdir -p /var/log/libvirt/qemu /var/lib/libvirt/qemu /var/cache/libvirt/qemu /run/libvirt
        pgrep -x virtlogd >/dev/null || timeout 30 virtlogd -d || { _bed_err "virtlogd did not start"; return 1; }
        timeout 60 libvirtd -d || { _bed_err "libvirtd did not start"; _bed_libvirtd_why; return 1; }
    fi
    bed_wait 180 "libvirtd answering on qemu:///system" timeout 15 virsh -c qemu:///system version \
        || { _bed_libvirtd_why; return 1; }
    _bed_done libvirtd "$t"
}

# _bed_libvirtd_why: what libvirtd and its children are doing, and the end of its log.
_bed_libvirtd_why() {
    local pid
    {
        echo "bed: libvirtd diagnosis:"
        ps -eo pid,ppid,stat,etime,wchan:30,args | grep -E 'libvirt|virtlog|qemu|virsh' | grep -v grep
        for pid in $(pgrep -x libvirtd); do
            ps -L -o tid,stat,wchan:30,comm -p "$pid"
        done
        echo "bed: last lines of /var/log/libvirt/libvirtd.log:"
        tail -n 40 /var/log/libvirt/libvirtd.log 2>/dev/null
    } >&2
}
