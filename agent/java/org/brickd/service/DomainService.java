package org.brickd.service;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.brickd.errors.BrickException;
import org.brickd.errors.BrickException.Code;
import org.brickd.host.BlockNodes;
import org.brickd.ledger.Attachment;
import org.brickd.ledger.Ledger;
import org.brickd.libvirt.Bdm;
import org.brickd.libvirt.DomainCheck;
import org.brickd.libvirt.DomainDisk;
import org.brickd.libvirt.DomainRepair;
import org.brickd.libvirt.DomainXml;
import org.brickd.libvirt.Domains;
import org.brickd.libvirt.Finding;
import org.brickd.libvirt.MigrationRewrite;
import org.brickd.libvirt.OtherDisk;
import org.brickd.types.VolumeId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * check_domain, repair_domain, migration_xml: reads what it needs (the domain's XML from
 * the caller or libvirt, the ledger's paths, the host's device numbers), decides with the
 * pure functions of libvirt/, and for a repair defines the result and reads it back.
 */
public final class DomainService {

    private static final Logger log = LoggerFactory.getLogger(DomainService.class);

    private final Domains domains;
    private final Ledger ledger;
    private final BlockNodes nodes;

    public DomainService(Domains domains, Ledger ledger, BlockNodes nodes) {
        this.domains = domains;
        this.ledger = ledger;
        this.nodes = nodes;
    }

    public record Repair(List<Applied> changes, String diff) {}

    /** A change and whether brickd made it (persistent, not dry-run) or only reports it (live, or dry-run). */
    public record Applied(DomainRepair.Change change, boolean applied) {}

    public List<Finding> check(String domain, Optional<String> xml, List<Bdm> bdms) {
        DomainXml dom = DomainXml.parse("xml", xml.orElseGet(() -> current(domains.read(domain), domain)));
        DomainCheck.Others others;
        try {
            others = DomainCheck.Others.of(otherDisks(dom));
        } catch (BrickException e) {
            if (e.code() != Code.UNAVAILABLE) {
                throw e;
            }
            others = DomainCheck.Others.unavailable("other domains could not be listed: " + e.getMessage());
        }
        return DomainCheck.check(dom, bdms, ledgerPaths(), this::deviceNumber, others);
    }

    /** A source that is no path under /dev at all (a file, a malformed string) is simply no host block device. */
    private Optional<String> deviceNumber(String path) {
        try {
            return nodes.deviceNumber(path);
        } catch (org.brickd.errors.InvalidInputException e) {
            return Optional.empty();
        }
    }

    public Repair repair(String domain, Optional<String> xml, List<Bdm> bdms, boolean dryRun) {
        Optional<Domains.Definitions> defs = Optional.empty();
        String liveNote = null;
        try {
            defs = Optional.of(domains.read(domain));
        } catch (BrickException e) {
            if (e.code() != Code.UNAVAILABLE || xml.isEmpty() || !dryRun) {
                throw e; // without libvirt there is nothing to define, and no XML to start from
            }
            liveNote = e.getMessage();
        }
        Optional<Domains.Definitions> read = defs;
        String persistent = xml.orElseGet(() -> read.flatMap(Domains.Definitions::persistent).orElseThrow(
                () -> new BrickException(Code.NOT_FOUND, "domain " + domain
                        + " has no persistent definition to repair (it is transient)")));
        Optional<DomainXml> live = defs.flatMap(Domains.Definitions::live).map(l -> DomainXml.parse("live xml", l));
        DomainRepair.Result r = DomainRepair.repair(DomainXml.parse("xml", persistent), live, bdms, ledgerPaths());
        List<Applied> out = new ArrayList<>();
        boolean apply = !dryRun && r.changed();
        for (DomainRepair.Change c : r.changes()) {
            out.add(new Applied(c, apply && c.scope().equals("persistent")));
        }
        if (liveNote != null) {
            out.add(new Applied(new DomainRepair.Change("live", "", "(not read)", liveNote, "", "run again with libvirtd up"),
                    false));
        }
        if (apply) {
            domains.define(r.xml());
            log.info("repair_domain {}: defined the repaired persistent definition:\n{}", domain, r.diff());
            String after = domains.read(domain).persistent().orElse("");
            List<DomainRepair.Change> left = DomainRepair.repair(DomainXml.parse("defined xml", after), Optional.empty(),
                    bdms, ledgerPaths()).changes();
            if (!left.isEmpty()) {
                throw new BrickException(Code.HOST_ERROR, "libvirt accepted the repaired definition of " + domain
                        + " but reading it back still differs: " + left);
            }
        }
        return new Repair(List.copyOf(out), r.diff());
    }

    public MigrationRewrite.Result migrationXml(String domain, Optional<String> xml, List<Bdm> destination) {
        DomainXml source = DomainXml.parse("xml", xml.orElseGet(() -> domains.migratableXml(domain)));
        return MigrationRewrite.rewrite(source, destination, ledgerPaths());
    }

    private static String current(Domains.Definitions d, String domain) {
        return d.live().or(d::persistent).orElseThrow(() -> new BrickException(Code.NOT_FOUND,
                "domain " + domain + " has neither a live nor a persistent definition"));
    }

    /** Block disks of every other domain; a domain is "other" when both its name and uuid differ. */
    private List<OtherDisk> otherDisks(DomainXml dom) {
        List<OtherDisk> out = new ArrayList<>();
        for (Domains.Definitions d : domains.all()) {
            if (d.name().equals(dom.name()) || dom.uuid().map(u -> u.equalsIgnoreCase(d.uuid())).orElse(false)) {
                continue;
            }
            DomainXml x = DomainXml.parse("xml of " + d.name(), current(d, d.name()));
            for (DomainDisk disk : x.disks()) {
                if (disk.type().equals("block") && disk.sourcePath().isPresent()) {
                    out.add(new OtherDisk(d.name(), disk.targetDev(), disk.sourcePath().get(), disk.serial(),
                            disk.shareable()));
                }
            }
        }
        return out;
    }

    private Map<VolumeId, String> ledgerPaths() {
        Map<VolumeId, String> out = new HashMap<>();
        for (Attachment a : ledger.allAttachments()) {
            out.putIfAbsent(a.volumeId(), a.path());
        }
        return out;
    }
}
