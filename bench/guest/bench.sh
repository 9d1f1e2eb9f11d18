#!/bin/bash
# Guest side of bench/run: brings up the bed (udev, open-iscsi, multipathd, LIO target on
# 127.0.0.1 and 127.0.0.2), exports the benchmark's LUNs, starts brickd as its unit
# starts it, and runs bench.py, which times brickd, os-brick and the bare-kernel minimum
# against the same target. Raw samples land in $TB_OUT/raw.csv, set-up facts in
# $TB_OUT/meta.json. Environment: BENCH_RUNS, BENCH_CASES, BENCH_BACKENDS, BENCH_OP_TIMEOUT,
# BENCH_BUDGET (seconds after which no new case starts).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../../testbed/guest/bed.sh
source "$TB_HOME/guest/bed.sh"
here=$BRICKD_HOME/bench/guest

bed_all
# LUN name -> number; c01..c16 are the 16 volumes of the concurrent case.
declare -A luns=([single]=1 [multipath]=2 [degraded]=3 [forced]=4 [extend]=5)
for i in $(seq 1 16); do
    luns[$(printf 'c%02d' "$i")]=$((9 + i))
done
json='{'
for name in "${!luns[@]}"; do
    # the LUN number leads the serial: bed_wwid keeps its first 25 hex digits
    serial=$(printf 'be%06x-0000-4000-8000-00000000b0b0' "${luns[$name]}")
    mb=64
    [[ $name == c* ]] && mb=16
    wwid=$(bed_lun_create "$name" "$mb" "$serial")
    bed_lun_map "$name" "${luns[$name]}"
    json+=$(printf '"%s": {"name": "%s", "lun": %d, "wwid": "%s", "id": "%s", "iqn": "%s"},' \
        "$name" "$name" "${luns[$name]}" "$wwid" "$serial" "$BED_TARGET_IQN")
done
echo "${json%,}}" > /tmp/bench-luns.json
echo "bench: ${#luns[@]} LUNs exported"

mkdir -p /run/brickd /var/lib/brickd /etc/brickd
cp "$BRICKD_HOME/systemd/brickd.conf" /etc/brickd/brickd.conf
# bin/brickd's JVM options, C1 only as in the kernel tier (under TCG the JVM with C2's tiers died at
# start three times, SIGSEGV in C1-compiled JDK code, cause not found), and its crash report next to
# the other logs (not in the guest's /)
BRICKD_JAVA_OPTS="-XX:+UseSerialGC -Xss512k -XX:TieredStopAtLevel=1 -XX:ErrorFile=$TB_OUT/hs_err_pid%p.log" \
    "$BRICKD_HOME/bin/brickd" --config /etc/brickd/brickd.conf > "$TB_OUT/brickd.log" 2>&1 &
brickd_pid=$!
# shellcheck disable=SC2317  # invoked through the EXIT trap
stop_brickd() {
    kill "$brickd_pid" 2>/dev/null || true
    wait "$brickd_pid" 2>/dev/null || true
}
trap stop_brickd EXIT
t=$(date +%s.%N)
bed_wait 180 "brickd ready" grep -q "brickd ready" "$TB_OUT/brickd.log"
echo "bench: brickd ready after $(awk -v a="$t" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')s (pid $brickd_pid)"

python3 "$here/bench.py" --luns /tmp/bench-luns.json --socket /run/brickd/brickd.sock \
    --brickd-pid "$brickd_pid" --csv "$TB_OUT/raw.csv" --meta "$TB_OUT/meta.json" \
    --osbrick-log "$TB_OUT/os-brick.log" --runs "${BENCH_RUNS:-3}" \
    --cases "${BENCH_CASES:-single,multipath,extend,concurrent,degraded,forced}" \
    --backends "${BENCH_BACKENDS:-bare,brickd,os-brick}" --op-timeout "${BENCH_OP_TIMEOUT:-300}" \
    --budget "${BENCH_BUDGET:-86400}"
