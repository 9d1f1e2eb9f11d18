#!/bin/bash
# junit-count.sh DIR: prints "tests failures errors skipped" summed over DIR/TEST-*.xml
# (surefire's and the JUnit console launcher's reports; attribute order differs).
set -euo pipefail
attr() { sed -n "s/.*<testsuite[^>]* $1=\"\([0-9]*\)\".*/\1/p" "$2" | head -n 1; }
t=0 f=0 e=0 s=0
for r in "$1"/TEST-*.xml; do
    [[ -e $r ]] || continue
    t=$((t + $(attr tests "$r"))); f=$((f + $(attr failures "$r")))
    e=$((e + $(attr errors "$r"))); s=$((s + $(attr skipped "$r")))
done
echo "$t $f $e $s"
