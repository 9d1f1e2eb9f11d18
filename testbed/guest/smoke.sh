#!/bin/bash
# smoke.sh - guest script: proves the bed works end to end.
# Run: testbed/vm.sh --script /work/main/testbed/guest/smoke.sh --out /tmp/tb-out-smoke
#
# 1. bed_all; LUN 0 and LUN 1 (fileio, fixed serials) mapped.
# 2. iSCSI discovery + login on 127.0.0.1 with node.session.scan manual:
#    no disk may appear; a targeted scan of LUN 1 must bring exactly one
#    disk whose sysfs wwid / udev ID_SERIAL / VPD 0x83 match bed_wwid.
# 3. bed self-checks: multipath map of that disk, live resize, portal
#    disable/enable on 127.0.0.2, scsi_debug disk (blacklisted in multipath).
# 4. logout: the disk must be gone.
# 5. JVM start time under TCG; /work/main and /root/.m2 readable.
set -euo pipefail

TB_HOME=${TB_HOME:-$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/..}
BRICKD_HOME=${BRICKD_HOME:-/work/main}
# shellcheck source=guest/bed.sh
source "$TB_HOME/guest/bed.sh"

fail() { echo "smoke: FAIL: $*" >&2; exit 1; }
now() { date +%s.%N; }
T0=$(now)
step() { echo "smoke: --- [$(since "$T0")s] $*"; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }
sd_disks() { local d; for d in /sys/block/sd*; do [[ -e $d ]] && echo "${d##*/}"; done; true; }
session_state() { cat "/sys/class/iscsi_session/session$1/state"; }

SERIAL0=aaaaaaaa-0000-4000-8000-000000000000
SERIAL1=1b2c3d4e-5f60-4a1b-8c2d-3e4f5a6b7c8d     # 32 hex digits: the rule keeps 25

step "bed_all"
bed_all

step "LUNs"
wwid0=$(bed_lun_create lun0 64 "$SERIAL0")
wwid1=$(bed_lun_create lun1 64 "$SERIAL1")
[[ $wwid0 == 36001405aaaaaaaa00004000800000000 ]] || fail "bed_wwid($SERIAL0) = $wwid0"
bed_lun_map lun0 0
bed_lun_map lun1 1
# idempotency: second calls are no-ops
[[ $(bed_lun_create lun1 64 "$SERIAL1") == "$wwid1" ]] || fail "bed_lun_create not idempotent"
bed_lun_map lun1 1
bed_target
echo "smoke: LUN 1 expected WWID $wwid1"

step "discovery"
t=$(now)
disc=$(iscsiadm -m discovery -t sendtargets -p "127.0.0.1:$BED_PORT")
echo "$disc"
echo "smoke: discovery $(since "$t")s"
for ip in $BED_PORTALS; do
    grep -qF "$ip:$BED_PORT,1 $BED_TARGET_IQN" <<<"$disc" || fail "discovery does not list $ip:$BED_PORT"
done
iscsiadm -m node -T "$BED_TARGET_IQN" -o update -n node.session.scan -v manual

before=$(sd_disks)
step "login 127.0.0.1 (manual scan)"
t=$(now)
iscsiadm -m node -T "$BED_TARGET_IQN" -p "127.0.0.1:$BED_PORT" --login
echo "smoke: login $(since "$t")s"
H=$(bed_iscsi_host 127.0.0.1)
echo "smoke: session on scsi host$H"
sleep 1
[[ $(sd_disks) == "$before" ]] || fail "disks appeared without a scan (node.session.scan manual ignored): $(sd_disks)"

step "scan LUN 1 only"
t=$(now)
echo "0 0 1" > "/sys/class/scsi_host/host$H/scan"
echo "smoke: scan $(since "$t")s"
udevadm settle --timeout=60
new=$(comm -13 <(echo "$before" | sort) <(sd_disks | sort))
[[ -n $new ]] || fail "no disk appeared after scanning 0 0 1"
[[ $(wc -l <<<"$new") -eq 1 ]] || fail "more than one disk appeared: $new"
sd=$new
echo "smoke: new disk $sd: $(cat "/sys/block/$sd/device/vendor") $(cat "/sys/block/$sd/device/model") hctl $(basename "$(readlink -f "/sys/block/$sd/device")")"
compgen -G "/sys/class/scsi_host/host$H/device/session*/target$H:0:0/$H:0:0:1/block/$sd" >/dev/null \
    || fail "$sd is not $H:0:0:1"
sys_wwid=$(cat "/sys/block/$sd/device/wwid")
echo "smoke: sysfs wwid $sys_wwid"
[[ $sys_wwid == "naa.${wwid1#3}" ]] || fail "sysfs wwid $sys_wwid != naa.${wwid1#3}"
id_serial=$(udevadm info --query=property --name="/dev/$sd" | sed -n 's/^ID_SERIAL=//p')
echo "smoke: udev ID_SERIAL $id_serial"
[[ $id_serial == "$wwid1" ]] || fail "udev ID_SERIAL $id_serial != $wwid1"
sg_inq -p 0x83 "/dev/$sd" | tee /tmp/vpd83.txt | sed -n '1,12p'
grep -q "0x${wwid1:1}" /tmp/vpd83.txt || fail "sg_inq -p 0x83 does not show 0x${wwid1:1}"
bypath=/dev/disk/by-path/ip-127.0.0.1:$BED_PORT-iscsi-$BED_TARGET_IQN-lun-1
[[ $(readlink -f "$bypath") == "/dev/$sd" ]] || fail "$bypath does not point to /dev/$sd"
echo "smoke: WWID rule verified: serial $SERIAL1 -> $wwid1"

step "multipath map (find_multipaths strict: add the WWID, then the path)"
t=$(now)
multipath -a "$wwid1" >/dev/null || fail "multipath -a $wwid1 failed"
multipathd add path "$sd" >/dev/null || fail "multipathd add path $sd failed"
if bed_wait 20 "multipath map $wwid1" multipath -ll "$wwid1"; then
    multipath -ll "$wwid1"
    echo "smoke: map appeared $(since "$t")s"
else
    fail "multipathd made no map for $wwid1"
fi

step "resize LUN 1 to 96 MB"
bed_lun_resize lun1 96
echo 1 > "/sys/block/$sd/device/rescan"
size=$(( $(cat "/sys/block/$sd/size") * 512 ))
[[ $size -eq $((96 * 1024 * 1024)) ]] || fail "after resize+rescan $sd has $size bytes"
echo "smoke: $sd is now $size bytes"

step "flush map, logout 127.0.0.1"
t=$(now)
bed_wait 20 "multipath -f $wwid1" multipath -f "$wwid1" || fail "cannot flush map $wwid1"
echo "smoke: flush $(since "$t")s"
t=$(now)
iscsiadm -m node -T "$BED_TARGET_IQN" -p "127.0.0.1:$BED_PORT" --logout
echo "smoke: logout $(since "$t")s"
udevadm settle --timeout=60
[[ ! -e /sys/block/$sd ]] || fail "$sd still present after logout"
[[ ! -e $bypath ]] || fail "$bypath still present after logout"
if iscsiadm -m session >/dev/null 2>&1; then fail "a session is left: $(iscsiadm -m session)"; fi
echo "smoke: $sd gone"

step "portal disable/enable on 127.0.0.2"
iscsiadm -m node -T "$BED_TARGET_IQN" -p "127.0.0.2:$BED_PORT" --login
H2=$(bed_iscsi_host 127.0.0.2)
sess=$(basename "$(ls -d "/sys/class/scsi_host/host$H2/device/session"*)")
sess=${sess#session}
[[ $(session_state "$sess") == LOGGED_IN ]] || fail "session $sess not LOGGED_IN"
bed_portal_disable 127.0.0.2
bed_portal_disable 127.0.0.2                      # idempotent
t=$(now)
bed_wait 30 "session $sess leaves LOGGED_IN" bash -c "[[ \$(cat /sys/class/iscsi_session/session$sess/state) != LOGGED_IN ]]" \
    || fail "session $sess still LOGGED_IN after portal disable"
echo "smoke: session $sess state $(session_state "$sess") after $(since "$t")s"
t=$(now)
if iscsiadm -m discovery -t sendtargets -p "127.0.0.2:$BED_PORT" >/dev/null 2>&1; then
    fail "discovery through the disabled portal worked"
fi
echo "smoke: discovery through the disabled portal failed as expected after $(since "$t")s"
bed_portal_enable 127.0.0.2
t=$(now)
bed_wait 60 "session $sess back to LOGGED_IN" bash -c "[[ \$(cat /sys/class/iscsi_session/session$sess/state) == LOGGED_IN ]]" \
    || fail "session $sess did not come back after portal enable"
echo "smoke: session $sess LOGGED_IN again after $(since "$t")s"
iscsiadm -m node -T "$BED_TARGET_IQN" -p "127.0.0.2:$BED_PORT" --logout

step "unmap LUN 0"
bed_lun_unmap 0
bed_lun_unmap 0                                   # idempotent
[[ ! -e $BED_TPG/lun/lun_0 && ! -e $BED_TPG/acls/$BED_INITIATOR/lun_0 ]] || fail "LUN 0 still mapped"

step "scsi_debug"
sdbg=$(bed_scsi_debug)
[[ $(wc -l <<<"$sdbg") -eq 1 && -e /sys/block/$sdbg ]] || fail "bed_scsi_debug gave '$sdbg'"
echo "smoke: scsi_debug disk $sdbg: $(cat "/sys/block/$sdbg/device/vendor") $(cat "/sys/block/$sdbg/device/model") wwid $(cat "/sys/block/$sdbg/device/wwid")"
[[ $(bed_scsi_debug) == "$sdbg" ]] || fail "bed_scsi_debug not idempotent"
udevadm settle --timeout=60
sleep 1
if multipath -ll 2>/dev/null | grep -q scsi_debug; then fail "multipath grabbed the scsi_debug disk"; fi

step "host files readable in the guest"
[[ -r $BRICKD_HOME/pom.xml ]] || fail "$BRICKD_HOME/pom.xml not readable"
head -c 100 "$BRICKD_HOME/pom.xml" >/dev/null
[[ -d /root/.m2/repository ]] || fail "/root/.m2/repository missing"
jar=$(find /root/.m2/repository -name '*.jar' -print -quit)
[[ -n $jar ]] || fail "no jar under /root/.m2/repository"
head -c 4096 "$jar" > /dev/null || fail "cannot read $jar"
echo "smoke: $BRICKD_HOME and /root/.m2 readable ($jar)"

step "JVM start under TCG"
for i in 1 2; do
    t=$(now)
    java -version 2>&1 | head -n 1
    echo "smoke: java -version #$i $(since "$t")s"
done
t=$(now)
java -XX:TieredStopAtLevel=1 -Xshare:auto -version >/dev/null 2>&1
echo "smoke: java -XX:TieredStopAtLevel=1 -version $(since "$t")s"

echo "smoke: PASS after $(since "$T0")s"
