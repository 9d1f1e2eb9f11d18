package org.brickd.libvirt;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.brickd.types.VolumeId;

/**
 * After a swap (nova's blockcopy + pivot moves the source only), rewrites serial, alias and
 * source of each volume disk in the persistent definition to what its BDM says, and lists
 * what the live definition still differs in. A volume disk no BDM accounts for stops the
 * repair: brickd will not guess which volume a disk is.
 */
public final class DomainRepair {

    /**
     * One difference: {@code scope} persistent (changed in the definition) or live (the
     * running domain keeps it until {@code converge} is done).
     */
    public record Change(String scope, String targetDev, String field, String from, String to, String converge) {}

    /** The repaired persistent XML, its diff against the input, the changes. */
    public record Result(String xml, String diff, List<Change> changes) {
        public boolean changed() {
            return changes.stream().anyMatch(c -> c.scope().equals("persistent"));
        }
    }

    static final String SERIAL_CONVERGE = "the running guest keeps this value (it is guest-visible ABI that a live "
            + "migration carries along); it converges when the domain is started again from its persistent definition "
            + "(stop and start, e.g. a nova hard reboot)";
    static final String SOURCE_CONVERGE = "the running domain still uses the old device: swap it again the way nova "
            + "does (virDomainBlockCopy onto the BDM's device_path, then pivot) or stop and start the domain";

    private DomainRepair() {}

    public static Result repair(DomainXml persistent, Optional<DomainXml> live, List<Bdm> bdms,
            Map<VolumeId, String> ledgerPaths) {
        DomainXml dom = persistent.copy();
        List<Change> changes = new ArrayList<>();
        List<UnmatchedDisksException.Unmatched> unmatched = new ArrayList<>();
        for (DomainDisk d : dom.disks()) {
            if (VolumeDisks.isLocal(d)) {
                continue;
            }
            Optional<VolumeDisks.Match> m = VolumeDisks.match(d, bdms, ledgerPaths, true);
            if (m.isEmpty()) {
                unmatched.add(MigrationRewrite.unmatched(d, "no BDM has this serial or this source path"));
                continue;
            }
            Bdm b = m.get().bdm();
            String serial = d.serial().orElse("");
            if (!serial.equals(b.volumeId().toString())) {
                d.setSerial(b.volumeId().toString());
                changes.add(new Change("persistent", d.targetDev(), "serial", serial, b.volumeId().toString(), ""));
            }
            Optional<String> alias = d.alias().filter(a -> a.startsWith("ua-"));
            if (alias.isPresent() && !alias.get().equals(b.alias())) {
                d.setAlias(b.alias());
                changes.add(new Change("persistent", d.targetDev(), "alias", alias.get(), b.alias(), ""));
            }
            String source = d.sourcePath().orElse("");
            if (d.type().equals("block") && !source.equals(b.devicePath().value())) {
                d.setSourceDev(b.devicePath().value());
                changes.add(new Change("persistent", d.targetDev(), "source", source, b.devicePath().value(), ""));
            }
        }
        if (!unmatched.isEmpty()) {
            throw new UnmatchedDisksException(dom.name(), "repair", unmatched);
        }
        live.ifPresent(l -> liveDifferences(l, bdms, ledgerPaths, changes));
        String xml = dom.render();
        String diff = TextDiff.unified(dom.name() + " (persistent, now)", dom.name() + " (persistent, repaired)",
                persistent.original(), xml);
        return new Result(xml, diff, List.copyOf(changes));
    }

    private static void liveDifferences(DomainXml live, List<Bdm> bdms, Map<VolumeId, String> ledgerPaths,
            List<Change> changes) {
        for (DomainDisk d : live.disks()) {
            if (VolumeDisks.isLocal(d)) {
                continue;
            }
            Optional<VolumeDisks.Match> m = VolumeDisks.match(d, bdms, ledgerPaths, true);
            if (m.isEmpty()) {
                changes.add(new Change("live", d.targetDev(), "bdm", "serial " + d.serial().orElse("(none)") + ", source "
                        + d.sourcePath().orElse("(none)"), "(no BDM)", "detach the disk or record its BDM"));
                continue;
            }
            Bdm b = m.get().bdm();
            String serial = d.serial().orElse("");
            if (!serial.equals(b.volumeId().toString())) {
                changes.add(new Change("live", d.targetDev(), "serial", serial, b.volumeId().toString(), SERIAL_CONVERGE));
            }
            d.alias().filter(a -> a.startsWith("ua-") && !a.equals(b.alias())).ifPresent(a ->
                    changes.add(new Change("live", d.targetDev(), "alias", a, b.alias(), SERIAL_CONVERGE)));
            String source = d.sourcePath().orElse("");
            if (d.type().equals("block") && !source.equals(b.devicePath().value())) {
                changes.add(new Change("live", d.targetDev(), "source", source, b.devicePath().value(), SOURCE_CONVERGE));
            }
        }
    }
}
