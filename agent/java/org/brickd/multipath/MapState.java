package org.brickd.multipath;

import java.util.Optional;
import org.brickd.types.BlockDevice;
import org.brickd.types.Wwid;

/**
 * One map as multipathd tracks it ({@code show maps raw format}).
 *
 * @param name      map name
 * @param wwid      the map's WWID (%w)
 * @param device    dm-N (%d)
 * @param paths     number of paths (%N)
 * @param queueing  %Q: "off", "on", "-" (no queueing configured), "N chk" (retries left), ...
 */
public record MapState(String name, Optional<Wwid> wwid, Optional<BlockDevice> device, int paths, String queueing) {
}
