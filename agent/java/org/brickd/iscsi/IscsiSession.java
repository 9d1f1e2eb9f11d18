package org.brickd.iscsi;

import org.brickd.types.Iqn;
import org.brickd.types.Portal;

/**
 * A kernel iSCSI session as sysfs shows it. {@code host} is the SCSI host number that
 * session's LUNs appear under (its scan file is /sys/class/scsi_host/host&lt;host&gt;/scan).
 */
public record IscsiSession(int sid, int host, Iqn target, Portal portal, int tpgt, String state) {

    public boolean loggedIn() {
        return state.equals("LOGGED_IN");
    }

    public boolean matches(Portal p, Iqn iqn) {
        return target.equals(iqn) && portal.equals(p);
    }
}
