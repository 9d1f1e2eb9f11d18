#!/bin/bash
# bedctl.sh FUNCTION [ARGS...]: runs one bed.sh function, for kernel-tier tests that
# change the target under a live initiator (map/unmap/resize a LUN, drop a portal).
# Only the listed functions can be called.
set -euo pipefail
# shellcheck source=bed.sh
source "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/bed.sh"
fn=${1:?usage: bedctl.sh FUNCTION [ARGS...]}
shift
case $fn in
    target|lun_create|lun_map|lun_unmap|luns|luns_unmap|lun_resize|portal_disable|portal_enable|portal_drop|portal_undrop|wwid|iscsi_host|target_chap|discovery_chap) "bed_$fn" "$@" ;;
    *) echo "bedctl: $fn is not a bed function tests may call" >&2; exit 2 ;;
esac
