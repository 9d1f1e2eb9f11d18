# shellcheck shell=bash
# bed-fc.sh - Fibre Channel for the test bed: FCoE VN2VN over two veth pairs against
# LIO's tcm_fc target (kernel-testbed.md section 7). Sourced by kernel-tests.sh after
# bed.sh (same conventions: idempotent, one "bed: <what> <seconds>s" line on stderr,
# values on stdout, "bed: ERROR: ..." and return 1 on failure). Run as a script,
# `bash bed-fc.sh FUNCTION [ARGS...]` calls one of the fc_* functions below (what the
# kernel-tier tests use to change the bed under a live initiator).
#
# Layout (MACs fixed, so the WWPNs are: 0x2000 + MAC):
#   fcA 02:00:00:00:00:0a  target port 1   20:00:02:00:00:00:00:0a  --veth--  fcB ..0b initiator 1
#   fcC 02:00:00:00:00:0c  target port 2   20:00:02:00:00:00:00:0c  --veth--  fcD ..0d initiator 2
# Both target ports export the same two fileio backstores (fc0 as LUN 0, fc1 as LUN 1),
# to both initiators' ACLs: two independent FC paths to each LUN (multipath).
# scsi_mod's scan parameter is set to "manual" BEFORE the FCoE controllers come up, so
# the FC transport's scan of a new target rport finds nothing by itself (I2).
#
# Pitfall (section 7): the tcm_fc TPGs must exist before the controllers are enabled;
# configured afterwards, the rport gets roles "FCP Target" but scsi_target_id -1.

if ! declare -F _bed_now >/dev/null; then
    # shellcheck source=bed.sh
    source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/bed.sh"
fi

export BED_FC_HBA=$BED_CFG/core/fileio_1
export BED_FC_TARGETS="20:00:02:00:00:00:00:0a 20:00:02:00:00:00:00:0c"
export BED_FC_INITIATORS="20:00:02:00:00:00:00:0b 20:00:02:00:00:00:00:0d"
# LUN n is backstore fc$n with serial BED_FC_SERIAL_n
export BED_FC_SERIAL_0=fc000000-0000-4000-8000-00000000f0f0
export BED_FC_SERIAL_1=fc111111-0000-4000-8000-00000000f1f1
export BED_FC_MB=64

# _bed_fc_pairs: "target-if initiator-if" per pair
_bed_fc_pairs() { printf '%s\n' "fcA fcB" "fcC fcD"; }
_bed_fc_mac() { printf '02:00:00:00:00:%s' "$(printf '%s' "$1" | tr 'ABCD' 'abcd' | sed 's/^fc/0/')"; }

# bed_fc_wwid LUN: the WWID (udev form) of the bed's FC LUN 0 or 1.
bed_fc_wwid() {
    local v="BED_FC_SERIAL_${1:?lun}"
    [[ -n ${!v:-} ]] || { _bed_err "no FC LUN $1 on the bed"; return 1; }
    bed_wwid "${!v}"
}

# bed_fc_host IF: the SCSI host number of the FCoE port on interface IF.
bed_fc_host() {
    local h
    for h in /sys/class/fc_host/host*; do
        [[ -e $h/symbolic_name ]] || continue
        if [[ $(cat "$h/symbolic_name") == *" over ${1:?if}" ]]; then
            echo "${h##*/host}"
            return 0
        fi
    done
    _bed_err "no fc_host over $1"
}

# _bed_fc_target_rport_ready: every initiator port sees its target port Online with a SCSI target id
_bed_fc_target_rport_ready() {
    local r n=0
    for r in /sys/class/fc_remote_ports/rport-*; do
        [[ -e $r/port_name ]] || continue
        case $(cat "$r/port_name") in
            0x200002000000000a|0x200002000000000c) ;;
            *) continue ;;
        esac
        [[ $(cat "$r/port_state") == Online && $(cat "$r/scsi_target_id") -ge 0 ]] && n=$((n + 1))
    done
    (( n >= 2 ))
}

bed_fc_up() {
    local t tw iw n lun tpg serial a b c
    t=$(_bed_now)
    if _bed_fc_target_rport_ready; then
        _bed_done "fc_up (already)" "$t"
        return 0
    fi
    mkdir -p /etc/target "$BED_DIR"
    modprobe -a target_core_mod target_core_file tcm_fc fcoe \
        || { _bed_err "modprobe of fcoe/tcm_fc failed"; return 1; }
    # I2 on FC: the transport must not scan the LUNs of a new target port by itself
    # no newline: the parameter is a 6-character string ("scan: string doesn't fit in 6 chars.")
    printf manual > /sys/module/scsi_mod/parameters/scan 2>/dev/null \
        || { _bed_err "cannot set scsi_mod scan=manual"; return 1; }
    for n in 0 1; do
        serial="BED_FC_SERIAL_$n"
        if [[ ! -d $BED_FC_HBA/fc$n ]]; then
            mkdir -p "$BED_FC_HBA/fc$n" || { _bed_err "cannot create backstore fc$n"; return 1; }
            truncate -s "${BED_FC_MB}M" "$BED_DIR/fc$n.img" || { _bed_err "cannot create $BED_DIR/fc$n.img"; return 1; }
            _bed_write "fd_dev_name=$BED_DIR/fc$n.img,fd_dev_size=$((BED_FC_MB * 1024 * 1024))" "$BED_FC_HBA/fc$n/control" || return 1
            _bed_write "${!serial}" "$BED_FC_HBA/fc$n/wwn/vpd_unit_serial" || return 1
            _bed_write 1 "$BED_FC_HBA/fc$n/enable" || return 1
        fi
    done
    # tcm_fc TPGs first (section 7 pitfall)
    for tw in $BED_FC_TARGETS; do
        tpg=$BED_CFG/fc/$tw/tpgt_1
        mkdir -p "$tpg" || { _bed_err "cannot create $tpg"; return 1; }
        for lun in 0 1; do
            if [[ ! -d $tpg/lun/lun_$lun ]]; then
                mkdir "$tpg/lun/lun_$lun" && ln -s "$BED_FC_HBA/fc$lun" "$tpg/lun/lun_$lun/bs" \
                    || { _bed_err "cannot export fc$lun as lun_$lun of $tw"; return 1; }
            fi
            for iw in $BED_FC_INITIATORS; do
                if [[ ! -d $tpg/acls/$iw/lun_$lun ]]; then
                    mkdir -p "$tpg/acls/$iw/lun_$lun" && ln -s "$tpg/lun/lun_$lun" "$tpg/acls/$iw/lun_$lun/m" \
                        || { _bed_err "cannot map lun_$lun of $tw to $iw"; return 1; }
                fi
            done
        done
    done
    while read -r a b; do
        if [[ ! -e /sys/class/net/$a ]]; then
            ip link add "$a" type veth peer name "$b" || { _bed_err "cannot create veth $a/$b"; return 1; }
        fi
        for c in "$a" "$b"; do
            ip link set "$c" address "$(_bed_fc_mac "$c")" && ip link set "$c" mtu 9000 up \
                || { _bed_err "cannot bring $c up"; return 1; }
        done
    done < <(_bed_fc_pairs)
    for c in fcA fcB fcC fcD; do
        bed_fc_host "$c" >/dev/null 2>&1 || _bed_write "$c" /sys/bus/fcoe/ctlr_create || return 1
    done
    for c in /sys/bus/fcoe/devices/ctlr_*; do
        [[ $(cat "$c/mode") == VN2VN ]] || _bed_write vn2vn "$c/mode" || return 1
        [[ $(cat "$c/enabled") == 1 ]] || _bed_write 1 "$c/enabled" || return 1
    done
    bed_wait 60 "both target rports Online with a SCSI target id" _bed_fc_target_rport_ready || return 1
    _bed_done fc_up "$t"
}

# bed_fc_link_down IF / bed_fc_link_up IF: take an FCoE link (fcB or fcD, the initiator
# side) down or up with `ip link set`; the rport goes Blocked, its devices "blocked"
# until dev_loss_tmo (60 s).
bed_fc_link_down() {
    local t
    t=$(_bed_now)
    # udev's probes of what was just attached done first: a response the bed's target still owes
    # when the link goes down can deadlock its tcm_fc (see fc_target_deadlock in vm.sh)
    udevadm settle --timeout=30 || echo "bed: fc_link_down $1: udev still busy after 30 s; going on" >&2
    ip link set "${1:?if}" down || { _bed_err "ip link set $1 down failed"; return 1; }
    _bed_done "fc_link_down $1" "$t"
}
bed_fc_link_up() {
    local t
    t=$(_bed_now)
    ip link set "${1:?if}" up || { _bed_err "ip link set $1 up failed"; return 1; }
    bed_wait 60 "the target port seen through $1 Online again" _bed_fc_if_ready "$1" || return 1
    _bed_done "fc_link_up $1" "$t"
}

# _bed_fc_if_ready IF: the FCoE port on IF is Online and sees an Online FCP target with a SCSI target id
_bed_fc_if_ready() {
    local h r
    h=$(bed_fc_host "$1" 2>/dev/null) || return 1
    [[ $(cat "/sys/class/fc_host/host$h/port_state") == Online ]] || return 1
    for r in /sys/class/fc_remote_ports/rport-"$h":*; do
        [[ -e $r/port_name ]] || continue
        [[ $(cat "$r/roles") == *"FCP Target"* && $(cat "$r/port_state") == Online \
            && $(cat "$r/scsi_target_id") -ge 0 ]] && return 0
    done
    return 1
}

# bed_fc_lun_resize LUN NEW_MB: grow the backstore of FC LUN 0 or 1 (as bed_lun_resize).
bed_fc_lun_resize() {
    local n=${1:?lun} mb=${2:?new_mb} t
    t=$(_bed_now)
    [[ -d $BED_FC_HBA/fc$n ]] || { _bed_err "no FC backstore fc$n"; return 1; }
    truncate -s "${mb}M" "$BED_DIR/fc$n.img" || { _bed_err "cannot resize $BED_DIR/fc$n.img"; return 1; }
    _bed_write "fd_dev_size=$((mb * 1024 * 1024))" "$BED_FC_HBA/fc$n/control" || return 1
    _bed_done "fc_lun_resize $n ${mb}MB" "$t"
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    set -euo pipefail
    fn=${1:?usage: bed-fc.sh FUNCTION [ARGS...]}
    shift
    case $fn in
        fc_up|fc_link_down|fc_link_up|fc_lun_resize|fc_wwid|fc_host) "bed_$fn" "$@" ;;
        *) echo "bed-fc: $fn is not a bed function tests may call" >&2; exit 2 ;;
    esac
fi
