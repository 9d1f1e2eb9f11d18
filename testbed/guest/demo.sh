#!/bin/bash
# Guest side of bin/demo: the bed, brickd started as its unit starts it, then a real
# attach / inventory / read / detach through brickd's socket with brickctl.
set -euo pipefail
# shellcheck source=bed.sh
source "$TB_HOME/guest/bed.sh"
step() { printf '\n==== %s\n' "$*"; }

step "bring up the bed: udev, open-iscsi, multipathd, LIO target on 127.0.0.1 and 127.0.0.2"
bed_all
vol=5f0c1b6e-2d4f-4c59-9a6e-3b1f00d0c0de
wwid=$(bed_lun_create demo 64 "$vol")
bed_lun_map demo 1
printf 'brickd demo volume %s\n' "$vol" | dd of="$BED_DIR/demo.img" conv=notrunc status=none
echo "volume $vol exported as LUN 1, WWID $wwid"

step "start brickd (as systemd/brickd.service runs it)"
mkdir -p /run/brickd /var/lib/brickd /etc/brickd
cp "$BRICKD_HOME/systemd/brickd.conf" /etc/brickd/brickd.conf
# C1 only, as in the kernel tier: under TCG, brickd's JVM with C2's tiers died at start three
# times this session (SIGSEGV in C1-compiled JDK code; cause not found) and never with C1 alone
BRICKD_JAVA_OPTS="-XX:+UseSerialGC -Xss512k -XX:TieredStopAtLevel=1 -XX:ErrorFile=$TB_OUT/hs_err_pid%p.log" \
    "$BRICKD_HOME/bin/brickd" --config /etc/brickd/brickd.conf > /tmp/brickd.log 2>&1 &
brickd_pid=$!
trap 'kill $brickd_pid 2>/dev/null || true; echo "---- brickd log"; cat /tmp/brickd.log' EXIT
bed_wait 60 "brickd socket" test -S /run/brickd/brickd.sock
ctl() { "$BRICKD_HOME/bin/brickctl" "$@"; }

step "connector properties"
ctl connector

step "attach (connect_volume through the socket)"
cat > /tmp/ci.json <<JSON
{"driver_volume_type": "iscsi", "serial": "$vol",
 "data": {"target_portal": "127.0.0.1:3260", "target_iqn": "$BED_TARGET_IQN", "target_lun": 1,
          "target_discovered": false, "volume_id": "$vol", "access_mode": "rw", "encrypted": false,
          "wwn": "$wwid"}}
JSON
ctl attach --connection-info /tmp/ci.json | tee /tmp/attach.json
path=$(sed -n 's/.*"path" *: *"\([^"]*\)".*/\1/p' /tmp/attach.json)

step "inventory"
ctl inventory

step "brickctl start-up, with and without the class-data-sharing archive (figures, not a test)"
ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null 2>&1; t1=$(date +%s%N); echo $(((t1 - t0) / 1000000)); }
for cds in on off; do
    runs=()
    for _ in 1 2 3; do runs+=("$(BRICKD_CDS=$cds ms ctl inventory)"); done
    echo "brickctl inventory, CDS $cds: ${runs[*]} ms (3 runs)"
done

step "read the volume through $path"
head -c 64 "$path" | tr -d '\0'; echo
grep -q "brickd demo volume $vol" <(head -c 64 "$path") || { echo "demo: the device does not read the volume's data" >&2; exit 1; }

step "detach (disconnect_volume through the socket)"
ctl detach --connection-info /tmp/ci.json

step "inventory after detach: no session, no device"
ctl inventory

step "stale-device check (find_stale): nothing left behind"
ctl stale
[[ -z $(iscsiadm -m session 2>/dev/null) ]] || { echo "demo: a session is left" >&2; exit 1; }
echo "demo: OK"
