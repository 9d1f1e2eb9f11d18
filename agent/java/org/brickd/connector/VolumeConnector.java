package org.brickd.connector;

import java.util.List;
import java.util.Optional;
import org.brickd.types.Wwid;

/**
 * One transport's connector (iSCSI, Fibre Channel). Every method holds I1-I3: only the
 * requested LUN is scanned, every device handed out is verified against the expected
 * identity, and a disconnect reports exactly what it removed and what is left.
 */
public interface VolumeConnector<C extends ConnectionInfo> {

    /** multipathd is reachable and multipath attaches can be made. */
    boolean multipathAvailable();

    /** Attaches one path; each host change is journaled in {@code steps}. */
    Attached connectSingle(C c, Identity identity, Steps steps);

    /** Attaches every path and their dm map; each host change is journaled in {@code steps}. */
    Attached connectMultipath(C c, Identity identity, Steps steps);

    /**
     * Removes every device, map and unused transport session of the volume, each removal
     * journaled in {@code steps}. With {@code force} the cleanup goes on past errors and
     * fails queued I/O.
     */
    Detached disconnect(C c, boolean force, Optional<Wwid> knownWwid, Steps steps);

    default Attached connectSingle(C c, Identity identity) {
        return connectSingle(c, identity, Steps.NONE);
    }

    default Attached connectMultipath(C c, Identity identity) {
        return connectMultipath(c, identity, Steps.NONE);
    }

    default Detached disconnect(C c, boolean force, Optional<Wwid> knownWwid) {
        return disconnect(c, force, knownWwid, Steps.NONE);
    }

    /**
     * What {@link #disconnect} with force would remove now, read from the host without
     * changing it: the volume's maps and devices, and the transport sessions it would leave
     * unused (brickctl cleanup --volume prints it before acting).
     */
    List<String> forcedDisconnectPlan(C c, Optional<Wwid> knownWwid);

    /** Rescans every path and the map; returns the new size in bytes. */
    long extend(C c);

    /** The block devices of the volume present on this host now. */
    List<String> volumePaths(C c);
}
