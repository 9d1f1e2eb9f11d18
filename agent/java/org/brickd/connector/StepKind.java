package org.brickd.connector;

import java.util.Arrays;
import java.util.Optional;

/** The kinds of host-changing step a volume operation journals, by the name the journal stores. */
public enum StepKind {
    /** iSCSI node record written (created and/or updated, manual scan and startup). */
    NODE("node"),
    LOGIN("login"),
    /** A targeted scan of one LUN address. */
    SCAN("scan"),
    /** The WWID put on multipathd's list, the paths added, the map awaited. */
    MAP("map"),
    /** A map or lone disk flushed before removal. */
    FLUSH("flush"),
    /** A dm map removed (multipathd flush, or forced removal) and its WWID forgotten. */
    UNMAP("unmap"),
    /** A SCSI device deleted. */
    DELETE("delete"),
    LOGOUT("logout"),
    /** An iSCSI node record deleted. */
    NODE_DELETE("node-delete");

    private final String wire;

    StepKind(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    public static Optional<StepKind> of(String wire) {
        return Arrays.stream(values()).filter(k -> k.wire.equals(wire)).findFirst();
    }

    @Override
    public String toString() {
        return wire;
    }
}
