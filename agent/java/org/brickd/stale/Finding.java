package org.brickd.stale;

import java.util.Optional;
import org.brickd.types.VolumeId;
import org.brickd.types.Wwid;

/**
 * One thing on the host that is not as a live attachment needs it, and what cleanup would
 * do about it. {@code device}/{@code hctl} are empty for a map-only finding.
 */
public record Finding(
        Kind kind,
        Optional<String> device,
        Optional<String> hctl,
        Optional<String> map,
        Optional<VolumeId> volumeId,
        Optional<Wwid> wwidRecorded,
        Optional<Wwid> wwidNow,
        Action action,
        String reason) {

    /** The classes of the find_stale contract. */
    public enum Kind {
        /** The LUN is gone (no LUN at that number, device offline, not answering). */
        STALE,
        /** A multipath map with no path, or only paths no attachment owns. */
        ORPHAN,
        /** A SCSI device of a storage transport that no attachment claims. */
        UNOWNED,
        /** The device of a live attachment now answers with another WWID: the LUN was reused. */
        DRIFT;

        public String wire() {
            return name().toLowerCase();
        }
    }

    /** What cleanup does. */
    public enum Action {
        /** Delete the SCSI device (after taking it out of its map). */
        REMOVE_DEVICE,
        /** Flush and remove the map; refused while open. */
        REMOVE_MAP,
        /** Fence the attachment: remove its devices and map (forced), mark it fenced. */
        FENCE,
        /** Report only. */
        REPORT;

        public String wire() {
            return name().toLowerCase().replace('_', '-');
        }
    }

    public boolean removes() {
        return action != Action.REPORT;
    }
}
