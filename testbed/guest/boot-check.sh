#!/bin/bash
# Minimal guest script: proves the bed boots and shows the environment.
# Usage: testbed/vm.sh --script "$PWD/testbed/guest/boot-check.sh" --out /tmp/tb-out-boot
# --env TB_EXIT=N makes it exit N (to check that vm.sh passes the rc on).
set -euo pipefail
echo "uname: $(uname -r)  hostname: $(hostname)  uptime: $(cut -d' ' -f1 /proc/uptime)s"
echo "TB_OUT=$TB_OUT TB_HOME=$TB_HOME BRICKD_HOME=$BRICKD_HOME"
findmnt -rn -o TARGET,FSTYPE | sort
touch /etc/testbed-writable && echo "root overlay writable"
exit "${TB_EXIT:-0}"
