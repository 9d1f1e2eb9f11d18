# shellcheck shell=bash
# bed.sh - library for testbed guest scripts: `source "$TB_HOME/guest/bed.sh"`.
#
# Brings up, inside the testbed guest (root, no systemd), the pieces a
# volume-attach test needs: udevd, open-iscsi initiator, multipathd, and an
# LIO iSCSI target built through raw configfs (targetcli is 5-6 s per call
# under TCG and needs a system D-Bus), plus scsi_debug disks.
#
# Conventions:
# - every bed_* function is idempotent (a second call is a cheap no-op or a
#   check) and prints ONE timed line "bed: <what> <seconds>s" on STDERR;
# - values (a WWID, a device name, a host number) go to STDOUT, so
#   `wwid=$(bed_lun_create vol1 64 "$uuid")` works;
# - on failure a function prints "bed: ERROR: ..." on stderr and returns 1
#   (with `set -e` in the caller the script stops there).
#
# Exported names: BED_INITIATOR, BED_TARGET_IQN, BED_TPG (configfs dir of
# TPG 1), BED_PORTALS ("127.0.0.1 127.0.0.2"), BED_PORT (3260), BED_DIR
# (/tmp/bed: backing files; /tmp is a tmpfs in the guest, files are sparse).
# A second target: BED_TARGET_IQN and BED_PORTALS may be set by the caller
# (e.g. `BED_TARGET_IQN=...:tgt2 BED_PORTALS=127.0.0.3 bedctl.sh target`); the
# target functions then act on that target, backstores stay shared.

export BED_INITIATOR=iqn.1993-08.org.debian:01:testbed-init
export BED_TARGET_IQN=${BED_TARGET_IQN:-iqn.2003-01.org.linux-iscsi.testbed:tgt1}
export BED_CFG=/sys/kernel/config/target
export BED_TPG=$BED_CFG/iscsi/$BED_TARGET_IQN/tpgt_1
export BED_HBA=$BED_CFG/core/fileio_0
export BED_PORTALS=${BED_PORTALS:-"127.0.0.1 127.0.0.2"}
export BED_PORT=3260
export BED_DIR=/tmp/bed

_bed_now() { date +%s.%N; }
# _bed_done WHAT START: the timed line.
_bed_done() {
    awk -v w="$1" -v a="$2" -v b="$(_bed_now)" 'BEGIN { printf "bed: %s %.2fs\n", w, b - a }' >&2
}
_bed_err() { echo "bed: ERROR: $*" >&2; return 1; }
# _bed_write VALUE FILE: echo into a sysfs/configfs file, with a clear error.
_bed_write() {
    echo "$1" > "$2" 2>/dev/null || _bed_err "cannot write '$1' to $2"
}
# _bed_write_exact VALUE FILE: without the newline: LIO keeps it as part of a CHAP name or
# secret (the initiator's CHAP_N then never matches).
_bed_write_exact() {
    printf '%s' "$1" > "$2" 2>/dev/null || _bed_err "cannot write to $2"
}

# bed_wait SECONDS WHAT CMD [ARGS...]: poll CMD every 0.1 s until it succeeds.
bed_wait() {
    local limit=$1 what=$2 t
    shift 2
    t=$(date +%s)
    until "$@" >/dev/null 2>&1; do
        if (( $(date +%s) - t >= limit )); then
            _bed_err "timed out after ${limit}s waiting for: $what"
            return 1
        fi
        sleep 0.1
    done
}

# bed_udev: systemd-udevd as a daemon, coldplug, settle (~10 s under TCG).
# Needed for /dev/disk/by-path|by-id links and for multipathd's path events.
bed_udev() {
    local t
    t=$(_bed_now)
    if ! pgrep -x systemd-udevd >/dev/null; then
        /lib/systemd/systemd-udevd --daemon || { _bed_err "systemd-udevd did not start"; return 1; }
        udevadm trigger --action=add --type=subsystems
        udevadm trigger --action=add --type=devices
    fi
    udevadm settle --timeout=180 || { _bed_err "udevadm settle timed out"; return 1; }
    _bed_done udev "$t"
}

# bed_iscsi_initiator: initiator name $BED_INITIATOR, iscsi_tcp, iscsid.
# Clears the node/discovery database first (the guest's /etc is an overlay
# over the host's: nothing on the host changes).
bed_iscsi_initiator() {
    local t
    t=$(_bed_now)
    if ! pgrep -x iscsid >/dev/null; then
        mkdir -p /etc/iscsi /run/lock/iscsi
        echo "InitiatorName=$BED_INITIATOR" > /etc/iscsi/initiatorname.iscsi
        rm -rf /etc/iscsi/nodes /etc/iscsi/send_targets
        mkdir -p /etc/iscsi/nodes /etc/iscsi/send_targets
        modprobe iscsi_tcp || { _bed_err "modprobe iscsi_tcp failed"; return 1; }
        iscsid || { _bed_err "iscsid did not start"; return 1; }
        # iscsiadm talks to iscsid over this abstract unix socket.
        bed_wait 30 "iscsid control socket" _bed_iscsid_listening || return 1
    fi
    _bed_done iscsi_initiator "$t"
}
_bed_iscsid_listening() { ss -xl | grep -q ISCSIADM_ABSTRACT_NAMESPACE; }

# bed_multipathd: /etc/multipath.conf as brickd expects a host to have it:
# find_multipaths strict (only WWIDs brickd adds to /etc/multipath/wwids get a
# map, so a single-path attach stays a plain sd disk), maps named by WWID.
bed_multipathd() {
    local t
    t=$(_bed_now)
    if ! pgrep -x multipathd >/dev/null; then
        cat > /etc/multipath.conf <<'CONF'
defaults {
    user_friendly_names no
    find_multipaths strict
}
blacklist {
    device {
        vendor "Linux"
        product "scsi_debug"
    }
}
CONF
        modprobe -a dm_multipath dm_round_robin scsi_dh_alua || { _bed_err "modprobe dm_multipath failed"; return 1; }
        # in the foreground (-d) so that its log lands with the test reports
        multipathd -d -s -v3 >"${TB_OUT:-/run}/multipathd.log" 2>&1 &
        disown
        bed_wait 60 "multipathd answering" multipathd show daemon || return 1
    fi
    _bed_done multipathd "$t"
}

# bed_target: LIO iSCSI target $BED_TARGET_IQN, TPG 1, portals 127.0.0.1 and
# 127.0.0.2 port 3260 (all of 127/8 is on lo), no CHAP (authentication 0 +
# an ACL for $BED_INITIATOR), enabled. No LUNs: see bed_lun_create/_map.
bed_target() {
    local t ip
    t=$(_bed_now)
    # LIO's db_root (PR/ALUA metadata); missing -> "db_root: cannot open".
    mkdir -p /etc/target
    modprobe -a target_core_mod iscsi_target_mod target_core_file target_core_iblock \
        || { _bed_err "modprobe of the LIO target modules failed"; return 1; }
    [[ -d $BED_CFG ]] || { _bed_err "$BED_CFG missing (configfs not mounted?)"; return 1; }
    mkdir -p "$BED_TPG" || { _bed_err "cannot create $BED_TPG"; return 1; }
    for ip in $BED_PORTALS; do
        [[ -d $BED_TPG/np/$ip:$BED_PORT ]] || mkdir "$BED_TPG/np/$ip:$BED_PORT" \
            || { _bed_err "cannot create portal $ip:$BED_PORT"; return 1; }
    done
    # Forgetting this gives iscsiadm error 24 "authorization failure".
    _bed_write 0 "$BED_TPG/attrib/authentication" || return 1
    mkdir -p "$BED_TPG/acls/$BED_INITIATOR" || { _bed_err "cannot create the ACL"; return 1; }
    [[ $(cat "$BED_TPG/enable") == 1 ]] || _bed_write 1 "$BED_TPG/enable" || return 1
    _bed_done target "$t"
}

# bed_target_chap USER PASS [USER_IN PASS_IN]: require CHAP on the TPG for the
# initiator's ACL (mutual CHAP when the *_IN pair is given); bed_target_chap off
# goes back to no authentication.
bed_target_chap() {
    local t auth=$BED_TPG/acls/$BED_INITIATOR/auth
    t=$(_bed_now)
    if [[ ${1:-} == off ]]; then
        _bed_write "" "$auth/userid" || true
        _bed_write "" "$auth/password" || true
        _bed_write 0 "$BED_TPG/attrib/authentication" || return 1
    else
        _bed_write_exact "${1:?user}" "$auth/userid" || return 1
        _bed_write_exact "${2:?password}" "$auth/password" || return 1
        if [[ -n ${3:-} ]]; then
            _bed_write_exact "$3" "$auth/userid_mutual" || return 1
            _bed_write_exact "${4:?mutual password}" "$auth/password_mutual" || return 1
        fi
        _bed_write 1 "$BED_TPG/attrib/authentication" || return 1
    fi
    _bed_done "target chap ${1:-}" "$t"
}

# bed_discovery_chap USER PASS: SendTargets discovery on every portal requires CHAP
# with USER/PASS; bed_discovery_chap off: discovery without authentication again.
bed_discovery_chap() {
    local t auth=$BED_CFG/iscsi/discovery_auth
    t=$(_bed_now)
    [[ -d $auth ]] || { _bed_err "$auth missing (call bed_target first)"; return 1; }
    if [[ ${1:-} == off ]]; then
        _bed_write 0 "$auth/enforce_discovery_auth" || return 1
        _bed_write "" "$auth/userid" || true
        _bed_write "" "$auth/password" || true
    else
        _bed_write_exact "${1:?user}" "$auth/userid" || return 1
        _bed_write_exact "${2:?password}" "$auth/password" || return 1
        _bed_write 1 "$auth/enforce_discovery_auth" || return 1
    fi
    _bed_done "discovery chap ${1:-}" "$t"
}

# bed_wwid SERIAL: the WWID the initiator will see for an LIO backstore whose
# wwn/vpd_unit_serial is SERIAL, in udev/multipath form (ID_SERIAL, dm map
# name, os-brick scsi_wwn); /sys/block/sdX/device/wwid shows the same as
# "naa.${wwid#3}".
# Rule (LIO spc_parse_naa_6h_vendor_specific, checked in the guest against
# /sys/block/sdX/device/wwid, udev ID_SERIAL and `sg_inq -p 0x83`, see
# smoke.sh): NAA type 6 with LIO's IEEE company id 00:14:05 -> "6001405",
# then the first 25 hex digits of the serial, all non-hex characters
# (dashes) skipped, lower case, zero-padded if the serial has fewer;
# prefixed with "3" (designator type NAA) by udev/scsi_id.
# e.g. aaaaaaaa-0000-4000-8000-000000000000 -> 36001405aaaaaaaa00004000800000000
bed_wwid() {
    local hex
    hex=$(printf '%s' "${1:?serial}" | tr -dc '0-9A-Fa-f' | tr 'A-F' 'a-f')
    hex=${hex:0:25}
    while (( ${#hex} < 25 )); do hex+=0; done
    echo "36001405$hex"
}

# bed_lun_create NAME SIZE_MB SERIAL: fileio backstore NAME on the sparse file
# $BED_DIR/NAME.img with wwn/vpd_unit_serial SERIAL, enabled. Prints the WWID.
# Pitfall: raw configfs does not set vpd_unit_serial (targetcli does); without
# it LIO has no VPD 0x83 -> no wwid in sysfs, no ALUA, multipath fails.
bed_lun_create() {
    local name=${1:?name} mb=${2:?size_mb} serial=${3:?serial} t bs img cur
    t=$(_bed_now)
    bs=$BED_HBA/$name
    img=$BED_DIR/$name.img
    [[ -d $BED_CFG ]] || { _bed_err "call bed_target first"; return 1; }
    if [[ -d $bs && $(cat "$bs/enable") == 1 ]]; then
        cur=$(sed -n 's/^T10 VPD Unit Serial Number: //p' "$bs/wwn/vpd_unit_serial")
        [[ $cur == "$serial" ]] || { _bed_err "backstore $name exists with serial '$cur', not '$serial'"; return 1; }
    else
        mkdir -p "$BED_DIR" "$bs" || { _bed_err "cannot create backstore dir $bs"; return 1; }
        truncate -s "${mb}M" "$img" || { _bed_err "cannot create $img"; return 1; }
        _bed_write "fd_dev_name=$img,fd_dev_size=$((mb * 1024 * 1024))" "$bs/control" || return 1
        # Must be set before enable / before the LUN is exported.
        _bed_write "$serial" "$bs/wwn/vpd_unit_serial" || return 1
        _bed_write 1 "$bs/enable" || return 1
    fi
    bed_wwid "$serial"
    _bed_done "lun_create $name ${mb}MB" "$t"
}

# bed_lun_map NAME LUN: export backstore NAME as TPG LUN LUN and map it as
# LUN LUN in the initiator's ACL.
bed_lun_map() {
    local name=${1:?name} n=${2:?lun} t bs lun acl link
    t=$(_bed_now)
    bs=$BED_HBA/$name
    lun=$BED_TPG/lun/lun_$n
    acl=$BED_TPG/acls/$BED_INITIATOR/lun_$n
    [[ -d $bs ]] || { _bed_err "no backstore $name (bed_lun_create first)"; return 1; }
    if [[ -d $lun ]]; then
        link=$(find "$lun" -maxdepth 1 -type l -print -quit)
        [[ -n $link && $(readlink -f "$link") == "$(readlink -f "$bs")" ]] \
            || { _bed_err "TPG lun_$n is already used by another backstore ($(readlink -f "$link"))"; return 1; }
    else
        mkdir "$lun" || { _bed_err "cannot create $lun"; return 1; }
        ln -s "$bs" "$lun/$name" || { _bed_err "cannot link $bs into $lun"; return 1; }
    fi
    if [[ ! -d $acl ]]; then
        mkdir "$acl" || { _bed_err "cannot create $acl"; return 1; }
        ln -s "$lun" "$acl/map" || { _bed_err "cannot map $lun in the ACL"; return 1; }
    fi
    _bed_done "lun_map $name $n" "$t"
}

# bed_lun_unmap LUN: remove the ACL mapped LUN first (it links to the TPG
# LUN), then the TPG LUN. The backstore stays (bed_lun_map can re-export it).
bed_lun_unmap() {
    local n=${1:?lun} t lun acl l
    t=$(_bed_now)
    lun=$BED_TPG/lun/lun_$n
    acl=$BED_TPG/acls/$BED_INITIATOR/lun_$n
    if [[ -d $acl ]]; then
        for l in "$acl"/*; do [[ -L $l ]] && { rm "$l" || { _bed_err "cannot unlink $l"; return 1; }; }; done
        rmdir "$acl" || { _bed_err "cannot remove $acl"; return 1; }
    fi
    if [[ -d $lun ]]; then
        for l in "$lun"/*; do [[ -L $l ]] && { rm "$l" || { _bed_err "cannot unlink $l"; return 1; }; }; done
        rmdir "$lun" || { _bed_err "cannot remove $lun"; return 1; }
    fi
    _bed_done "lun_unmap $n" "$t"
}

# bed_luns PREFIX FIRST_LUN SIZE_MB SERIAL...: for the i-th SERIAL (from 0), backstore
# PREFIXi (bed_lun_create) exported as LUN FIRST_LUN+i (bed_lun_map); prints the WWIDs in
# order. One process for many LUNs (the soak and the 256-attachment RSS case).
bed_luns() {
    local prefix=${1:?prefix} first=${2:?first_lun} mb=${3:?size_mb} t i=0 serial
    shift 3
    t=$(_bed_now)
    for serial in "$@"; do
        bed_lun_create "$prefix$i" "$mb" "$serial" 2>/dev/null || { bed_lun_create "$prefix$i" "$mb" "$serial"; return 1; }
        bed_lun_map "$prefix$i" $((first + i)) 2>/dev/null || { bed_lun_map "$prefix$i" $((first + i)); return 1; }
        i=$((i + 1))
    done
    _bed_done "luns ${prefix}0..$prefix$((i - 1)) as LUN $first..$((first + i - 1))" "$t"
}

# bed_luns_unmap FIRST_LUN COUNT: bed_lun_unmap of LUNs FIRST_LUN..FIRST_LUN+COUNT-1.
bed_luns_unmap() {
    local first=${1:?first_lun} count=${2:?count} t i
    t=$(_bed_now)
    for ((i = 0; i < count; i++)); do
        bed_lun_unmap $((first + i)) 2>/dev/null || { bed_lun_unmap $((first + i)); return 1; }
    done
    _bed_done "luns_unmap $first..$((first + count - 1))" "$t"
}

# bed_lun_resize NAME NEW_MB: grow/shrink the backing file and the size LIO
# reports (fileio on a regular file answers READ CAPACITY from fd_dev_size,
# which the control file accepts while the device is live). The initiator
# sees it after `echo 1 > /sys/block/sdX/device/rescan`.
bed_lun_resize() {
    local name=${1:?name} mb=${2:?new_mb} t bs
    t=$(_bed_now)
    bs=$BED_HBA/$name
    [[ -d $bs ]] || { _bed_err "no backstore $name"; return 1; }
    truncate -s "${mb}M" "$BED_DIR/$name.img" || { _bed_err "cannot resize $BED_DIR/$name.img"; return 1; }
    _bed_write "fd_dev_size=$((mb * 1024 * 1024))" "$bs/control" || return 1
    _bed_done "lun_resize $name ${mb}MB" "$t"
}

# bed_portal_disable IP: take the portal IP:3260 down, iptables-free:
# remove its LIO network portal (np) so nothing listens there (new logins
# and discovery get "connection refused"), then kill the established TCP
# connections of that portal with `ss -K` (CONFIG_INET_DIAG_DESTROY, on in
# Debian's kernel), both the target side (local IP:3260) and the initiator
# side (remote IP:3260). Existing sessions on it go to recovery and keep
# failing to reconnect until bed_portal_enable (or replacement_timeout).
bed_portal_disable() {
    local ip=${1:?ip} t np
    t=$(_bed_now)
    np=$BED_TPG/np/$ip:$BED_PORT
    if [[ -d $np ]]; then
        rmdir "$np" || { _bed_err "cannot remove portal $np"; return 1; }
    fi
    ss -K -tn state established src "$ip:$BED_PORT" >/dev/null || { _bed_err "ss -K (target side) failed"; return 1; }
    ss -K -tn state established dst "$ip:$BED_PORT" >/dev/null || { _bed_err "ss -K (initiator side) failed"; return 1; }
    _bed_done "portal_disable $ip" "$t"
}

# bed_portal_enable IP: re-create the LIO network portal IP:3260.
# bed_portal_drop IP: every packet to the portal is dropped (a path lost on a real network:
# no RST, the initiator's TCP retries until its own timeouts); bed_portal_undrop IP lifts it.
bed_portal_drop() {
    local ip=${1:?ip} t
    t=$(_bed_now)
    iptables -w -I INPUT -p tcp -d "$ip" --dport "$BED_PORT" -j DROP \
        || { _bed_err "iptables: cannot drop packets to $ip:$BED_PORT"; return 1; }
    _bed_done "portal_drop $ip" "$t"
}
bed_portal_undrop() {
    local ip=${1:?ip} t
    t=$(_bed_now)
    while iptables -w -C INPUT -p tcp -d "$ip" --dport "$BED_PORT" -j DROP 2>/dev/null; do
        iptables -w -D INPUT -p tcp -d "$ip" --dport "$BED_PORT" -j DROP \
            || { _bed_err "iptables: cannot lift the drop rule for $ip:$BED_PORT"; return 1; }
    done
    _bed_done "portal_undrop $ip" "$t"
}
bed_portal_enable() {
    local ip=${1:?ip} t np
    t=$(_bed_now)
    np=$BED_TPG/np/$ip:$BED_PORT
    [[ -d $np ]] || mkdir "$np" || { _bed_err "cannot create portal $np"; return 1; }
    _bed_done "portal_enable $ip" "$t"
}

# bed_iscsi_host IP: the SCSI host number of the (first) session logged in
# through portal IP:3260, from sysfs. Prints H (use /sys/class/scsi_host/hostH).
bed_iscsi_host() {
    local ip=${1:?ip} c s sess
    for c in /sys/class/iscsi_connection/connection*; do
        [[ -e $c/persistent_address ]] || continue
        [[ $(cat "$c/persistent_address") == "$ip" && $(cat "$c/persistent_port") == "$BED_PORT" ]] || continue
        sess=${c##*/connection}
        sess=${sess%%:*}
        s=$(readlink -f "/sys/class/iscsi_session/session$sess/device")   # .../hostH/sessionN
        s=${s%/session*}
        echo "${s##*/host}"
        return 0
    done
    _bed_err "no iSCSI session through $ip:$BED_PORT"
}

# bed_scsi_debug [MODULE ARGS...]: load scsi_debug (default: dev_size_mb=64
# num_tgts=1 max_luns=1) and print the sdX it created (one per line).
# Already loaded: prints its disks (the args are then ignored).
# shellcheck disable=SC2120  # args are optional
bed_scsi_debug() {
    local t args=("$@")
    t=$(_bed_now)
    if [[ ! -d /sys/bus/pseudo/drivers/scsi_debug ]]; then
        (( ${#args[@]} )) || args=(dev_size_mb=64 num_tgts=1 max_luns=1)
        modprobe scsi_debug "${args[@]}" || { _bed_err "modprobe scsi_debug ${args[*]} failed"; return 1; }
    elif (( ${#args[@]} )); then
        echo "bed: scsi_debug already loaded; ignoring args: ${args[*]}" >&2
    fi
    bed_wait 30 "a scsi_debug disk" compgen -G '/sys/bus/pseudo/drivers/scsi_debug/adapter*/host*/target*/*/block/*' || return 1
    local d
    for d in /sys/bus/pseudo/drivers/scsi_debug/adapter*/host*/target*/*/block/*; do
        echo "${d##*/}"
    done
    _bed_done scsi_debug "$t"
}

# bed_all: udev + initiator + multipathd + target.
bed_all() {
    local t
    t=$(_bed_now)
    bed_udev || return 1
    bed_iscsi_initiator || return 1
    bed_multipathd || return 1
    bed_target || return 1
    _bed_done all "$t"
}
