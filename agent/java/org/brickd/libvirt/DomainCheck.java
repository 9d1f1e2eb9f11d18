package org.brickd.libvirt;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.brickd.types.VolumeId;

/**
 * I4 as a pure function: every volume disk has the source path the BDM (and the ledger)
 * say, the BDM's volume id as serial, {@code ua-<volume id>} as alias where it carries a
 * user alias; every BDM has its disk; no host block device (by major:minor) is used twice
 * unless every user is a shareable disk of one multiattach volume.
 */
public final class DomainCheck {

    /** Other domains' block disks, or why they could not be read (the check then cannot pass). */
    public record Others(List<OtherDisk> disks, Optional<String> unavailable) {
        public static Others of(List<OtherDisk> disks) {
            return new Others(List.copyOf(disks), Optional.empty());
        }

        public static Others unavailable(String why) {
            return new Others(List.of(), Optional.of(why));
        }
    }

    private DomainCheck() {}

    public static List<Finding> check(DomainXml dom, List<Bdm> bdms, Map<VolumeId, String> ledgerPaths,
            DeviceNumbers devs, Others others) {
        String name = dom.name();
        List<Finding> out = new ArrayList<>();
        Set<VolumeId> seen = new HashSet<>();
        List<User> users = new ArrayList<>();
        for (DomainDisk d : dom.disks()) {
            if (!VolumeDisks.isVolume(d)) {
                continue; // local image disk or config drive: not a volume, nothing to hold it to
            }
            Optional<VolumeDisks.Match> m = VolumeDisks.match(d, bdms, ledgerPaths, true);
            String source = d.sourcePath().orElse("");
            if (m.isEmpty()) {
                out.add(new Finding(name, d.targetDev(), "no_bdm", "a BDM for this volume disk",
                        "serial " + d.serial().orElse("(none)") + ", source " + show(source)));
            } else {
                Bdm b = m.get().bdm();
                seen.add(b.volumeId());
                expect(out, name, d, "source_path", b.devicePath().value(), source);
                String recorded = ledgerPaths.get(b.volumeId());
                if (recorded != null) {
                    expect(out, name, d, "ledger_path", recorded, source);
                }
                expect(out, name, d, "serial", b.volumeId().toString(), d.serial().orElse(""));
                d.alias().filter(a -> a.startsWith("ua-"))
                        .ifPresent(a -> expect(out, name, d, "alias", b.alias(), a));
            }
            if (d.type().equals("block") && !source.isEmpty()) {
                Optional<String> dev = devs.of(source);
                if (dev.isEmpty()) {
                    out.add(new Finding(name, d.targetDev(), "unresolved", "a host block device", show(source)
                            + " is not a block device on this host"));
                } else {
                    boolean multi = m.map(x -> x.bdm().multiattach()).orElse(false) && d.shareable();
                    String vol = m.map(x -> x.bdm().volumeId().toString()).or(d::serial).orElse("");
                    users.add(new User(name, d.targetDev(), source, dev.get(), vol, multi, true));
                }
            }
        }
        for (Bdm b : bdms) {
            if (!seen.contains(b.volumeId())) {
                out.add(new Finding(name, b.deviceName().map(DomainCheck::targetOf).orElse(""), "missing_disk",
                        "a disk for volume " + b.volumeId() + " at " + b.devicePath(), "no disk of the domain matches it"));
            }
        }
        if (others.unavailable().isPresent()) {
            out.add(new Finding(name, "", "not_checked", "other domains' disks, to rule out a shared host device",
                    others.unavailable().get()));
        }
        for (OtherDisk o : others.disks()) {
            devs.of(o.sourcePath()).ifPresent(dev -> users.add(new User(o.domain(), o.targetDev(), o.sourcePath(), dev,
                    o.serial().orElse(""), o.shareable(), false)));
        }
        shared(out, name, users);
        return out;
    }

    private record User(String domain, String target, String path, String dev, String volume, boolean shareable,
            boolean ours) {}

    private static void shared(List<Finding> out, String name, List<User> users) {
        Map<String, List<User>> byDev = new LinkedHashMap<>();
        users.forEach(u -> byDev.computeIfAbsent(u.dev(), k -> new ArrayList<>()).add(u));
        for (Map.Entry<String, List<User>> e : byDev.entrySet()) {
            List<User> us = e.getValue();
            if (us.size() < 2) {
                continue;
            }
            String vol = us.get(0).volume();
            boolean allowed = !vol.isEmpty() && us.stream().allMatch(u -> u.shareable() && u.volume().equalsIgnoreCase(vol));
            if (allowed) {
                continue;
            }
            for (User u : us) {
                if (!u.ours()) {
                    continue;
                }
                List<String> rest = us.stream().filter(x -> x != u)
                        .map(x -> "domain " + x.domain() + " disk " + x.target() + " (" + x.path() + ", volume "
                                + (x.volume().isEmpty() ? "?" : x.volume()) + (x.shareable() ? ", shareable" : "") + ")")
                        .toList();
                out.add(new Finding(name, u.target(), "shared_device", "host device " + e.getKey()
                        + " used by this disk alone, or only by shareable disks of one multiattach volume",
                        "also used by " + String.join("; ", rest)));
            }
        }
    }

    private static void expect(List<Finding> out, String domain, DomainDisk d, String kind, String expected, String actual) {
        if (!expected.equals(actual)) {
            out.add(new Finding(domain, d.targetDev(), kind, expected, actual));
        }
    }

    /** nova's device_name "/dev/vdb" → target dev "vdb". */
    static String targetOf(String deviceName) {
        return deviceName.startsWith("/dev/") ? deviceName.substring(5) : deviceName;
    }

    private static String show(String s) {
        return s.isEmpty() ? "(none)" : s;
    }
}
