package org.brickd.stale;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.brickd.ledger.Attachment;
import org.brickd.multipath.DmMap;
import org.brickd.stale.DeviceFacts.Live;
import org.brickd.stale.Finding.Action;
import org.brickd.stale.Finding.Kind;
import org.brickd.types.BlockDevice;
import org.brickd.types.Wwid;

/**
 * Classifies every iSCSI/FC SCSI device and every multipath map of a {@link Snapshot}, as a
 * pure function. What a live attachment owns and what still answers as the recorded volume
 * yields no finding. The rules, most specific first:
 * <ul>
 * <li>an owned device whose LUN answers another WWID: {@code drift}, fence the attachment;
 * <li>a device whose target reports no LUN at that number, or that the midlayer has set
 *     offline (transport-offline too when no attachment owns it): {@code stale}, remove it;
 * <li>a map nobody owns with no path, or only unowned paths: {@code orphan}, remove it and
 *     those paths;
 * <li>any other device nobody owns: {@code unowned}, reported (removed only when the policy
 *     says so: another tool on the host may have made it).
 * </ul>
 * Devices of other transports (local disks, virtio, scsi_debug) and excluded names are never
 * classified.
 */
public final class StaleClassifier {

    /**
     * @param removeUnowned whether cleanup removes devices that merely have no owner
     * @param exclude       device names (sdX, dm-N), map names or WWIDs (udev form) never touched
     */
    public record Policy(boolean removeUnowned, Set<String> exclude) {
        public Policy {
            exclude = Set.copyOf(exclude);
        }

        public static Policy reportUnowned() {
            return new Policy(false, Set.of());
        }
    }

    private StaleClassifier() {}

    public static List<Finding> classify(Snapshot s, Policy policy) {
        List<Attachment> live = s.attachments().stream().filter(a -> !a.fenced()).toList();
        Map<String, Attachment> byHctl = new HashMap<>();
        for (Attachment a : live) {
            for (String d : a.devices()) {
                byHctl.putIfAbsent(hctlOf(d), a);
            }
        }
        Map<String, Attachment> mapOwner = new HashMap<>();
        for (DmMap m : s.maps()) {
            ownerOfMap(m, live).ifPresent(a -> mapOwner.put(m.name(), a));
        }
        Map<BlockDevice, DmMap> orphanOfSlave = new LinkedHashMap<>();
        List<Finding> mapFindings = new ArrayList<>();
        for (DmMap m : s.maps()) {
            if (excluded(policy, m.name(), m.device().name(), m.wwid()) || mapOwner.containsKey(m.name())) {
                continue;
            }
            boolean anyOwnedSlave = m.slaves().stream().anyMatch(sl -> deviceOf(s, sl)
                    .map(f -> byHctl.containsKey(f.hctl().toString())).orElse(false));
            if (anyOwnedSlave) {
                mapFindings.add(new Finding(Kind.UNOWNED, Optional.empty(), Optional.empty(), Optional.of(m.name()),
                        Optional.empty(), Optional.empty(), m.wwid(), Action.REPORT,
                        "no attachment records this map, but a path below it belongs to one"));
                continue;
            }
            m.slaves().forEach(sl -> orphanOfSlave.put(sl, m));
            mapFindings.add(new Finding(Kind.ORPHAN, Optional.empty(), Optional.empty(), Optional.of(m.name()),
                    Optional.empty(), Optional.empty(), m.wwid(), Action.REMOVE_MAP,
                    m.slaves().isEmpty() ? "multipath map with no path" : "multipath map whose paths "
                            + m.slaves() + " belong to no attachment"));
        }

        List<Finding> out = new ArrayList<>(mapFindings);
        for (DeviceFacts d : s.devices()) {
            if (!d.transport().managed() || excluded(policy, d.disk().map(BlockDevice::name).orElse(""), d.hctl().toString(),
                    d.live().wwid())) {
                continue;
            }
            Attachment owner = byHctl.get(d.hctl().toString());
            if (owner == null) {
                owner = d.map().map(mapOwner::get).orElse(null);
            }
            classifyDevice(d, Optional.ofNullable(owner), orphanOfSlave, live, policy).ifPresent(out::add);
        }
        return out;
    }

    private static Optional<Finding> classifyDevice(DeviceFacts d, Optional<Attachment> owner,
            Map<BlockDevice, DmMap> orphanOfSlave, List<Attachment> live, Policy policy) {
        Live answer = d.live();
        if (owner.isPresent()) {
            Attachment a = owner.get();
            if (answer.status() == Live.Status.PRESENT && answer.wwid().isPresent()
                    && !a.wwid().matches(answer.wwid().get())) {
                return Optional.of(finding(d, Kind.DRIFT, Optional.of(a), Action.FENCE, "the LUN now answers "
                        + answer.wwid().get().udev() + " but volume " + a.volumeId() + " was attached as "
                        + a.wwid().udev() + ": the LUN number was reused for another volume"));
            }
            if (answer.status() == Live.Status.NO_LUN) {
                return Optional.of(finding(d, Kind.STALE, Optional.of(a), Action.REMOVE_DEVICE,
                        "the target reports no LUN at this number any more (unmapped): " + answer.detail()));
            }
            if (d.state().equals("offline")) {
                return Optional.of(finding(d, Kind.STALE, Optional.of(a), Action.REMOVE_DEVICE,
                        "the SCSI midlayer set the device offline"));
            }
            return Optional.empty(); // owned; transport trouble alone is left to the transport's recovery
        }
        if (answer.status() == Live.Status.NO_LUN) {
            return Optional.of(finding(d, Kind.STALE, Optional.empty(), Action.REMOVE_DEVICE,
                    "no attachment owns it and the target reports no LUN at this number: " + answer.detail()));
        }
        if (d.state().equals("offline") || d.state().equals("transport-offline")) {
            return Optional.of(finding(d, Kind.STALE, Optional.empty(), Action.REMOVE_DEVICE,
                    "no attachment owns it and its state is " + d.state()));
        }
        Optional<Wwid> now = answer.wwid();
        if (now.isPresent() && live.stream().anyMatch(a -> a.wwid().matches(now.get()))) {
            return Optional.empty(); // another path of an attached volume that the ledger did not list
        }
        DmMap orphan = d.disk().map(orphanOfSlave::get).orElse(null);
        if (orphan != null) {
            return Optional.of(finding(d, Kind.UNOWNED, Optional.empty(), Action.REMOVE_DEVICE,
                    "path of orphan map " + orphan.name()));
        }
        return Optional.of(finding(d, Kind.UNOWNED, Optional.empty(),
                policy.removeUnowned() ? Action.REMOVE_DEVICE : Action.REPORT,
                "no attachment owns this device" + (answer.status() == Live.Status.NO_ANSWER
                        ? " and it does not answer (" + answer.detail() + ")" : "")));
    }

    private static Finding finding(DeviceFacts d, Kind kind, Optional<Attachment> owner, Action action, String reason) {
        return new Finding(kind, d.disk().map(BlockDevice::devPath), Optional.of(d.hctl().toString()), d.map(),
                owner.map(Attachment::volumeId), owner.map(Attachment::wwid), d.live().wwid(), action, reason);
    }

    private static Optional<Attachment> ownerOfMap(DmMap m, List<Attachment> live) {
        for (Attachment a : live) {
            if (a.map().filter(m.name()::equals).isPresent() || a.map().filter(m.device().name()::equals).isPresent()) {
                return Optional.of(a);
            }
        }
        return m.wwid().flatMap(w -> live.stream().filter(a -> a.map().isPresent() && a.wwid().matches(w)).findFirst());
    }

    private static Optional<DeviceFacts> deviceOf(Snapshot s, BlockDevice disk) {
        return s.devices().stream().filter(d -> d.disk().filter(disk::equals).isPresent()).findFirst();
    }

    private static boolean excluded(Policy p, String name, String other, Optional<Wwid> wwid) {
        return p.exclude().contains(name) || p.exclude().contains(other)
                || wwid.map(w -> p.exclude().contains(w.udev())).orElse(false);
    }

    private static String hctlOf(String ledgerDevice) {
        int eq = ledgerDevice.indexOf('=');
        return eq < 0 ? ledgerDevice : ledgerDevice.substring(0, eq);
    }
}
