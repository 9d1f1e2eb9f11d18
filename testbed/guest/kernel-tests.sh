#!/bin/bash
# Guest side of run-kernel-tests.sh: bed up, then the JUnit console launcher on the
# tests tagged "kernel", as root, reports to /mnt/out/reports.
set -euo pipefail
# shellcheck source=bed.sh
source "$TB_HOME/guest/bed.sh"
# shellcheck source=bed-fc.sh
source "$TB_HOME/guest/bed-fc.sh"
# shellcheck source=bed-libvirt.sh
source "$TB_HOME/guest/bed-libvirt.sh"

bed_all
bed_scsi_debug >/dev/null
# after scsi_debug: bed_fc_up sets scsi_mod scan=manual, under which a new SCSI host is not scanned
bed_fc_up
# libvirtd costs ~20 s: only when the domain tests run. If it does not come up, the other
# classes still run and DomainKernelTest fails on its libvirtd check; the diagnosis is above.
if [[ -z ${KT_SELECT:-} || ,$KT_SELECT, == *DomainKernelTest* ]]; then
    bed_libvirtd || echo "kernel-tests: libvirtd is not answering: DomainKernelTest will fail" >&2
fi

export BRICKD_TESTBED=1
cd "$BRICKD_HOME"
cp="target/test-classes:target/classes:$(cat target/test-classpath.txt)"
select_args=()
if [[ -n ${KT_SELECT:-} ]]; then
    IFS=, read -r -a classes <<< "$KT_SELECT"
    # CLASS or CLASS#method
    for c in "${classes[@]}"; do
        if [[ $c == *'#'* ]]; then select_args+=(--select-method "$c"); else select_args+=(--select-class "$c"); fi
    done
else
    select_args+=(--scan-classpath target/test-classes)
fi
# A test that hangs fails after 20 min (the longest, the crash table, takes ~9 min) instead of
# taking the whole VM budget and every report with it.
# C1 only: the tests are short-lived and TCG makes C2 compiles expensive; --add-opens as surefire (host/PeerCredentials)
java -XX:TieredStopAtLevel=1 -Xss1m -XX:ErrorFile="$TB_OUT/hs_err_pid%p.log" --add-opens java.base/sun.nio.ch=ALL-UNNAMED -cp "$cp" org.junit.platform.console.ConsoleLauncher execute \
    --disable-banner --details=tree --include-tag kernel "${select_args[@]}" \
    --config junit.jupiter.execution.timeout.testable.method.default=20m \
    --reports-dir "$TB_OUT/reports"
