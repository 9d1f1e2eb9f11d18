package org.brickd.libvirt;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.brickd.types.VolumeId;

/**
 * I5: the destination XML for a live migration. Every volume disk is matched to a
 * destination BDM by serial, then by the path this host's ledger recorded for the volume;
 * a match gets the destination's {@code data.device_path} as its source. Any volume disk
 * without a match fails the whole rewrite (nova skips it and the destination keeps the
 * source host's path). Serial and alias are left as they are: they are part of the guest
 * ABI libvirt checks on migration; repair_domain fixes them in the persistent definition.
 */
public final class MigrationRewrite {

    /** The rewritten XML and what happened to each disk. */
    public record Result(String xml, List<String> rewritten, List<String> leftAlone) {}

    private MigrationRewrite() {}

    public static Result rewrite(DomainXml source, List<Bdm> destination, Map<VolumeId, String> ledgerPaths) {
        DomainXml dom = source.copy();
        List<UnmatchedDisksException.Unmatched> unmatched = new ArrayList<>();
        List<String> rewritten = new ArrayList<>();
        List<String> leftAlone = new ArrayList<>();
        Set<VolumeId> used = new HashSet<>();
        for (DomainDisk d : dom.disks()) {
            if (VolumeDisks.isLocal(d)) {
                leftAlone.add(d.targetDev() + " (" + d.device() + ", " + d.type() + " " + d.sourcePath().orElse("") + ")");
                continue;
            }
            Optional<VolumeDisks.Match> m = VolumeDisks.match(d, destination, ledgerPaths, false);
            if (m.isEmpty()) {
                unmatched.add(unmatched(d, "no destination BDM has this serial, and the ledger has no volume at this path"));
            } else if (m.get().by() == VolumeDisks.By.SERIAL && pathOfOther(d, m.get().bdm(), ledgerPaths).isPresent()) {
                unmatched.add(unmatched(d, "serial says volume " + m.get().bdm().volumeId() + " but the ledger says "
                        + "the source is volume " + pathOfOther(d, m.get().bdm(), ledgerPaths).get() + "'s device"));
            } else if (!used.add(m.get().bdm().volumeId())) {
                unmatched.add(unmatched(d, "volume " + m.get().bdm().volumeId() + " is already matched to another disk"));
            } else if (!d.type().equals("block")) {
                unmatched.add(unmatched(d, "matched volume " + m.get().bdm().volumeId() + " but the disk is type '"
                        + d.type() + "'; only block sources are rewritten"));
            } else {
                String to = m.get().bdm().devicePath().value();
                if (!to.equals(d.sourcePath().orElse(""))) {
                    d.setSourceDev(to);
                }
                rewritten.add(d.targetDev() + " -> " + to + " (volume " + m.get().bdm().volumeId() + ", by "
                        + m.get().by().name().toLowerCase() + ")");
            }
        }
        if (!unmatched.isEmpty()) {
            throw new UnmatchedDisksException(dom.name(), "migration XML", unmatched);
        }
        return new Result(dom.render(), rewritten, leftAlone);
    }

    /** The other volume whose recorded path is this disk's source, if any. */
    private static Optional<VolumeId> pathOfOther(DomainDisk d, Bdm matched, Map<VolumeId, String> ledgerPaths) {
        String source = d.sourcePath().orElse("");
        return ledgerPaths.entrySet().stream()
                .filter(e -> !e.getKey().equals(matched.volumeId()) && e.getValue().equals(source))
                .map(Map.Entry::getKey).findFirst();
    }

    static UnmatchedDisksException.Unmatched unmatched(DomainDisk d, String reason) {
        return new UnmatchedDisksException.Unmatched(d.targetDev(), d.serial().orElse(""), d.sourcePath().orElse(""), reason);
    }
}
