package org.brickd.connector;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.brickd.connector.Attached.PathDevice;
import org.brickd.errors.WwidMismatchException;
import org.brickd.host.DevFs;
import org.brickd.host.Uevents;
import org.brickd.scsi.Inquiry;
import org.brickd.scsi.WwidProbe;
import org.brickd.types.BlockDevice;
import org.brickd.types.VolumeId;
import org.brickd.types.Wwid;

/**
 * I1 over a volume's path devices, whatever the transport: each answers as a real disk, and
 * the WWIDs they answer live (VPD 0x83 through SG_IO) agree and pass {@link IdentityCheck};
 * then the stable udev link that is handed out, once it resolves to exactly that device.
 */
public final class PathIdentity {

    private final WwidProbe probe;
    private final DevFs dev;
    private final Uevents uevents;
    private final Duration linkDeadline;

    public PathIdentity(WwidProbe probe, DevFs dev, Uevents uevents, Duration linkDeadline) {
        this.probe = probe;
        this.dev = dev;
        this.uevents = uevents;
        this.linkDeadline = linkDeadline;
    }

    /** The verified WWID of the paths; a {@link WwidMismatchException} when any check fails. */
    public Wwid verify(VolumeId volume, List<PathDevice> paths, Optional<Wwid> expected, Identity identity) {
        Map<String, Wwid> byPath = new LinkedHashMap<>();
        for (PathDevice pd : paths) {
            Inquiry inq = probe.inquiry(pd.disk());
            if (!inq.isConnectedDisk()) {
                throw new WwidMismatchException("volume " + volume + ": " + pd.hctl() + " (" + pd.disk()
                        + ") answers as no disk (peripheral qualifier " + inq.peripheralQualifier() + ", type 0x"
                        + Integer.toHexString(inq.deviceType()) + "): the LUN is not mapped on the target");
            }
            probe.live(pd.disk()).ifPresent(w -> byPath.put(pd.hctl() + " (" + pd.disk() + ")", w));
        }
        return IdentityCheck.verify(volume, byPath, expected, identity.recorded(), identity.otherOwners());
    }

    /** {@code /dev/disk/by-id/scsi-<wwid>}, once udev made it point at {@code disk}. */
    public String diskLink(Wwid wwid, BlockDevice disk) {
        return awaitLink("disk/by-id/scsi-" + wwid.udev(), disk);
    }

    /** {@code /dev/disk/by-id/dm-uuid-mpath-<wwid>}, once udev made it point at {@code map}. */
    public String mapLink(Wwid wwid, BlockDevice map) {
        return awaitLink("disk/by-id/dm-uuid-mpath-" + wwid.udev(), map);
    }

    private String awaitLink(String link, BlockDevice device) {
        uevents.await("/dev/" + link + " to point at " + device,
                () -> dev.exists(link) && dev.resolve("/dev/" + link).filter(device::equals).isPresent(), linkDeadline);
        return "/dev/" + link;
    }
}
