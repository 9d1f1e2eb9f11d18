package org.brickd.connector;

import java.util.List;
import java.util.Optional;
import org.brickd.types.BlockDevice;
import org.brickd.types.Hctl;
import org.brickd.types.Wwid;

/**
 * What a connect produced: the stable path handed out (a /dev/disk/by-id link that
 * resolves to exactly the verified device), the verified WWID, the map if multipath,
 * every path device, and the paths that could not be brought up (degraded attach).
 */
public record Attached(
        String path,
        Wwid wwid,
        Optional<BlockDevice> map,
        List<PathDevice> devices,
        List<String> failedPaths) {

    public Attached {
        devices = List.copyOf(devices);
        failedPaths = List.copyOf(failedPaths);
    }

    /** One SCSI path of the volume. {@code via} names the portal/target or the HBA/rport. */
    public record PathDevice(Hctl hctl, BlockDevice disk, String via) {}
}
