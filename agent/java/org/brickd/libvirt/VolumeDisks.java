package org.brickd.libvirt;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.brickd.types.VolumeId;

/**
 * Which disks are volumes and which BDM each one is. A volume disk is a block disk or a
 * disk with a {@code <serial>} (nova writes a serial only for volumes); local image disks
 * and config drives (file source, no serial) are not. A disk is matched to a BDM by serial
 * (= volume id), then by its source path being the path the ledger recorded for a BDM's
 * volume, then — only when the BDMs are this host's — by its source path being a BDM's
 * device_path (a destination's device_path says nothing about a source disk: the same
 * /dev/sdX string names another device there, bug 2112187).
 */
public final class VolumeDisks {

    private VolumeDisks() {}

    /** How a disk was matched to its BDM. */
    public enum By { SERIAL, LEDGER_PATH, DEVICE_PATH }

    public record Match(Bdm bdm, By by) {}

    public static boolean isVolume(DomainDisk d) {
        return d.type().equals("block") || d.serial().isPresent();
    }

    /** Local image disk or config drive: file source, no serial. Named so callers can say they left it alone. */
    public static boolean isLocal(DomainDisk d) {
        return !isVolume(d);
    }

    public static Optional<Match> match(DomainDisk d, List<Bdm> bdms, Map<VolumeId, String> ledgerPaths,
            boolean bdmsOfThisHost) {
        Optional<String> serial = d.serial();
        if (serial.isPresent()) {
            for (Bdm b : bdms) {
                if (b.volumeId().toString().equalsIgnoreCase(serial.get())) {
                    return Optional.of(new Match(b, By.SERIAL));
                }
            }
        }
        Optional<String> source = d.sourcePath();
        if (source.isEmpty()) {
            return Optional.empty();
        }
        for (Bdm b : bdms) {
            String recorded = ledgerPaths.get(b.volumeId());
            if (source.get().equals(recorded)) {
                return Optional.of(new Match(b, By.LEDGER_PATH));
            }
        }
        for (Bdm b : bdmsOfThisHost ? bdms : List.<Bdm>of()) {
            if (source.get().equals(b.devicePath().value())) {
                return Optional.of(new Match(b, By.DEVICE_PATH));
            }
        }
        return Optional.empty();
    }
}
