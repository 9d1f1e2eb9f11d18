package org.brickd.host;

import java.time.Duration;
import java.util.Optional;

/**
 * The device-mapper ioctls brickd needs beyond what sysfs shows, by map name:
 * DM_DEVICE_INFO (open count, deferred-remove flag), DM_DEVICE_REMOVE (optionally
 * deferred), DM_DEVICE_TARGET_MSG. The real one is {@link JnaDevMapper} (libdevmapper).
 */
public interface DevMapper {

    /** What DM_DEVICE_INFO tells about a live map. */
    record Info(int major, int minor, int openCount, boolean suspended, boolean deferredRemove, int targetCount) {}

    /** How a remove ended. */
    enum Removal {
        /** The map is gone. */
        REMOVED,
        /** The map was open: the kernel removes it when the last holder closes it. */
        DEFERRED,
        /** There was no map of that name (removed by someone else). */
        NOT_FOUND
    }

    /** The map's info, or empty when no map has that name. */
    Optional<Info> info(String name);

    /**
     * Removes the map. When it is open: with {@code deferred} the kernel marks it for removal
     * on last close ({@link Removal#DEFERRED}); without, this throws a BUSY
     * {@link org.brickd.errors.BrickException}. Waits up to {@code udevDeadline} for udev to
     * finish with /dev/mapper (udev cookie), then returns anyway.
     */
    Removal remove(String name, boolean deferred, Duration udevDeadline);

    /** Sends a target message to sector 0 of the map, e.g. "fail_if_no_path". */
    void message(String name, String message);
}
