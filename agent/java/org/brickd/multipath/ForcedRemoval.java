package org.brickd.multipath;

import java.time.Duration;
import java.util.List;

/**
 * What {@link Multipath#forceRemove} did to a map.
 *
 * @param map             the map as it was before
 * @param outcome         how it ended
 * @param openCount       the open count when it was removed (0 when multipathd flushed it)
 * @param queueingStopped queue_if_no_path was switched off (by multipathd and/or a dm message)
 * @param elapsed         time taken
 * @param errors          steps that failed on the way without stopping the removal
 */
public record ForcedRemoval(DmMap map, Outcome outcome, int openCount, boolean queueingStopped, Duration elapsed,
                            List<String> errors) {

    public enum Outcome {
        /** multipathd flushed it ("del map"). */
        FLUSHED,
        /** Removed through device-mapper directly. */
        REMOVED,
        /** Still open: marked for deferred removal; the kernel removes it on last close. */
        DEFERRED,
        /** It was gone before anything was done to it. */
        ALREADY_GONE
    }

    public ForcedRemoval {
        errors = List.copyOf(errors);
    }

    /** The map no longer exists (it may still exist, unusable, when {@link Outcome#DEFERRED}). */
    public boolean gone() {
        return outcome != Outcome.DEFERRED;
    }
}
