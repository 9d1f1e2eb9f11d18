#!/bin/bash
# run-kernel-tests.sh [--out DIR] [--select CLASS|CLASS#method]... [--env KEY=VALUE]...
#
# The kernel tier: boots the test-bed VM (testbed/vm.sh), brings the bed up inside
# (udev, open-iscsi, multipathd, an LIO target, scsi_debug), runs every JUnit test
# tagged "kernel" as root on the real kernel, and brings back the JUnit XML reports
# (DIR/reports, default target/kernel-tier). Fails, saying why, if the VM cannot boot,
# if any test fails, if any test is skipped, or if no test ran.
# --env: set in the guest for the tests (e.g. BRICKD_SOAK_LOOPS, see SoakKernelTest);
# BRICKD_KERNEL_TIMEOUT: the VM's bound in seconds (default 3000: the whole tier takes ~30 min on 2 cores).
# Needs `mvn package` to have run (bin/run-tests does both).
set -euo pipefail

repo=$(dirname "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")")
out=$repo/target/kernel-tier
selects=()
envs=()
while [[ $# -gt 0 ]]; do
    case $1 in
        --out) out=${2:?}; shift 2 ;;
        --select) selects+=("${2:?}"); shift 2 ;;
        --env) envs+=(--env "${2:?}"); shift 2 ;;
        *) echo "run-kernel-tests: unknown argument $1" >&2; exit 2 ;;
    esac
done

for f in target/classes/linux-x86-64/libbrickshim.so target/test-classes target/test-classpath.txt; do
    [[ -e $repo/$f ]] || { echo "run-kernel-tests: $repo/$f missing: run 'mvn -B package' first" >&2; exit 2; }
done

mkdir -p "$out"
rm -rf "$out/reports"
sel=${selects[*]:-}
set +e
"$repo/testbed/vm.sh" --script "$repo/testbed/guest/kernel-tests.sh" --out "$out" --timeout "${BRICKD_KERNEL_TIMEOUT:-3000}" \
    --env "KT_SELECT=${sel// /,}" "${envs[@]}"
rc=$?
set -e

echo "---- kernel tier: guest script log (tail) ----"
tail -n 60 "$out/script.log" 2>/dev/null || true

shopt -s nullglob
reports=("$out"/reports/TEST-*.xml)
if [[ ${#reports[@]} -eq 0 ]]; then
    echo "run-kernel-tests: FAILED: no JUnit report came back from the VM (rc $rc); see $out/script.log and $out/console.log" >&2
    exit 1
fi
read -r tests failures errors skipped < <("$repo/testbed/lib/junit-count.sh" "$out/reports")
passed=$((tests - failures - errors - skipped))
echo "kernel tier: $passed passed, $((failures + errors)) failed, $skipped skipped"
if [[ $tests -eq 0 ]]; then
    echo "run-kernel-tests: FAILED: no kernel-tier test ran" >&2; exit 1
fi
if [[ $skipped -ne 0 ]]; then
    echo "run-kernel-tests: FAILED: kernel-tier tests must not be skipped" >&2; exit 1
fi
if [[ $rc -ne 0 || $failures -ne 0 || $errors -ne 0 ]]; then
    echo "run-kernel-tests: FAILED (guest rc $rc); reports in $out/reports" >&2; exit 1
fi
