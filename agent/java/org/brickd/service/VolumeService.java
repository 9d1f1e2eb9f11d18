package org.brickd.service;

import org.brickd.connector.Identity;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.brickd.connector.Attached;
import org.brickd.connector.ConnectionInfo;
import org.brickd.connector.Detached;
import org.brickd.connector.FcConnection;
import org.brickd.connector.IscsiConnection;
import org.brickd.connector.KeyedLocks;
import org.brickd.connector.Steps;
import org.brickd.connector.VolumeConnector;
import org.brickd.errors.BrickException;
import org.brickd.errors.WwidMismatchException;
import org.brickd.ledger.Attachment;
import org.brickd.ledger.Ledger;
import org.brickd.scsi.WwidProbe;
import org.brickd.stale.Fencer;
import org.brickd.types.BlockDevice;
import org.brickd.types.InstanceId;
import org.brickd.types.VolumeId;
import org.brickd.types.Wwid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The volume operations: per-volume lock, intent journal (the operation, then each of its
 * host-changing steps through {@link JournaledSteps}), ledger, then the protocol connector.
 * Decides multiattach (a second instance reuses the verified device; only the last detach
 * removes it) and the I1 inputs the connector checks against.
 */
public final class VolumeService {

    private static final Logger log = LoggerFactory.getLogger(VolumeService.class);

    private final Ledger ledger;
    private final VolumeConnector<IscsiConnection> iscsi;
    private final Optional<VolumeConnector<FcConnection>> fc;
    private final WwidProbe probe;
    private final KeyedLocks volumeLocks;
    private final Optional<Fencing> fencing;
    private final JournaledSteps.Watch watch;
    private final AtomicInteger inFlight = new AtomicInteger();

    /**
     * Fencing on LUN reuse: the fencer, and how to read back a connection the ledger
     * recorded (to learn which LUN addresses an older attachment names).
     */
    public record Fencing(Fencer fencer, Function<String, ConnectionInfo> recorded) {}

    public VolumeService(Ledger ledger, VolumeConnector<IscsiConnection> iscsi, WwidProbe probe,
            KeyedLocks volumeLocks) {
        this(ledger, iscsi, Optional.empty(), probe, volumeLocks, Optional.empty());
    }

    public VolumeService(Ledger ledger, VolumeConnector<IscsiConnection> iscsi,
            Optional<VolumeConnector<FcConnection>> fc, WwidProbe probe, KeyedLocks volumeLocks,
            Optional<Fencing> fencing) {
        this(ledger, iscsi, fc, probe, volumeLocks, fencing, JournaledSteps.Watch.NONE);
    }

    /** @param watch told of every journaled step before it runs (the daemon's fault point, or none) */
    public VolumeService(Ledger ledger, VolumeConnector<IscsiConnection> iscsi,
            Optional<VolumeConnector<FcConnection>> fc, WwidProbe probe, KeyedLocks volumeLocks,
            Optional<Fencing> fencing, JournaledSteps.Watch watch) {
        this.ledger = ledger;
        this.watch = watch;
        this.fencing = fencing;
        this.iscsi = iscsi;
        this.fc = fc;
        this.probe = probe;
        this.volumeLocks = volumeLocks;
    }

    /** Volume operations running now (stale cleanup leaves unowned devices alone meanwhile). */
    public int inFlight() {
        return inFlight.get();
    }

    public ConnectResult connect(ConnectRequest req) {
        inFlight.incrementAndGet();
        try {
            return connectCounted(req);
        } finally {
            inFlight.decrementAndGet();
        }
    }

    private ConnectResult connectCounted(ConnectRequest req) {
        ConnectionInfo info = req.info();
        VolumeId vol = info.volumeId();
        String instance = req.instance().map(InstanceId::toString).orElse("");
        try (KeyedLocks.Held held = volumeLocks.lock("volume " + vol)) {
            List<Attachment> existing = ledger.attachments(vol).stream().filter(a -> !a.fenced()).toList();
            if (!existing.isEmpty()) {
                return reuse(req, existing, instance);
            }
            Bound<?> c = bind(info);
            fenceReusedLuns(info);
            boolean multipath = req.useMultipath();
            if (multipath && !c.multipathAvailable()) {
                if (req.enforceMultipath()) {
                    throw new BrickException(BrickException.Code.UNAVAILABLE, "volume " + vol
                            + ": enforce_multipath is set but multipathd is not reachable on this host");
                }
                log.warn("volume {}: multipath requested but multipathd is not reachable; attaching a single path", vol);
                multipath = false;
            }
            // the connection as recorded (secrets masked): a restart rolls this attach back from it
            String op = multipath ? "attach-multipath" : "attach";
            long intent = ledger.intend(vol, op, req.recordJson());
            try {
                Identity identity = new Identity(Optional.empty(), otherOwners(vol));
                Steps steps = new JournaledSteps(ledger, intent, op, watch);
                Attached att = multipath ? c.connectMultipath(identity, steps) : c.connectSingle(identity, steps);
                ledger.putAttachment(new Attachment(vol, instance, info.protocol(), att.wwid(), att.path(),
                        att.map().map(BlockDevice::name), devices(att), req.recordJson(), false, "attached",
                        Optional.empty(), Instant.now()));
                ledger.finish(intent, true, att.path());
                return new ConnectResult(att.path(), att.wwid(), att.map().map(m -> att.wwid().udev()),
                        att.failedPaths(), false);
            } catch (RuntimeException e) {
                ledger.finish(intent, false, e.getMessage());
                throw e;
            }
        }
    }

    /**
     * The volume is already attached here: hand out the same device to another instance
     * (or again to the same one), after checking live that the LUN is still this volume.
     */
    private ConnectResult reuse(ConnectRequest req, List<Attachment> existing, String instance) {
        Attachment first = existing.get(0);
        VolumeId vol = first.volumeId();
        for (String dev : first.devices()) {
            BlockDevice disk = BlockDevice.parse("ledger", dev.substring(dev.indexOf('=') + 1));
            Optional<Wwid> live = probe.live(disk);
            if (live.isEmpty() || !live.get().equals(first.wwid())) {
                throw new WwidMismatchException("volume " + vol + " is attached on " + disk + " but the LUN now answers "
                        + live.map(Wwid::udev).orElse("no WWID") + " instead of " + first.wwid().udev()
                        + "; refusing to hand it out again (run 'brickctl check')");
            }
        }
        req.info().expectedWwid().filter(w -> !w.equals(first.wwid())).ifPresent(w -> {
            throw new WwidMismatchException("volume " + vol + ": connection_info names WWN " + w.udev()
                    + " but the attached device is " + first.wwid().udev());
        });
        boolean same = existing.stream().anyMatch(a -> a.instance().equals(instance));
        if (!same) {
            ledger.putAttachment(new Attachment(vol, instance, first.protocol(), first.wwid(), first.path(), first.map(),
                    first.devices(), req.recordJson(), true, "attached", Optional.empty(), Instant.now()));
            log.info("volume {}: shared with instance {} (multiattach), device {}", vol, instance, first.path());
        }
        return new ConnectResult(first.path(), first.wwid(), first.map().map(m -> first.wwid().udev()), List.of(), true);
    }

    public DisconnectResult disconnect(ConnectionInfo info, Optional<InstanceId> instance, boolean force,
            boolean ignoreErrors) {
        inFlight.incrementAndGet();
        try {
            return disconnectCounted(info, instance, force, ignoreErrors);
        } finally {
            inFlight.decrementAndGet();
        }
    }

    private DisconnectResult disconnectCounted(ConnectionInfo info, Optional<InstanceId> instance, boolean force,
            boolean ignoreErrors) {
        VolumeId vol = info.volumeId();
        try (KeyedLocks.Held held = volumeLocks.lock("volume " + vol)) {
            List<Attachment> rows = ledger.attachments(vol);
            if (instance.isPresent()) {
                String me = instance.get().toString();
                List<String> others = rows.stream().map(Attachment::instance).filter(i -> !i.equals(me)).toList();
                if (!others.isEmpty() && rows.stream().anyMatch(a -> a.instance().equals(me))) {
                    ledger.removeAttachment(vol, me);
                    log.info("volume {}: instance {} detached; devices kept for {}", vol, me, others);
                    return new DisconnectResult(List.of(), List.of(), List.of(), others, false, false);
                }
            }
            boolean fenced = rows.stream().anyMatch(Attachment::fenced);
            if (!rows.isEmpty() && rows.stream().allMatch(Attachment::fenced)) {
                // its devices went at the fence; what is at its LUN address now is another volume's
                ledger.removeAttachments(vol);
                log.warn("volume {}: detached a fenced attachment ({}); the host was not touched", vol,
                        rows.get(0).note().orElse("fenced"));
                return new DisconnectResult(List.of(), List.of(), List.of(), List.of(), true, true);
            }
            Bound<?> c = bind(info);
            // the recorded connection, so that a restart can complete this detach
            String op = force ? "detach-force" : "detach";
            long intent = ledger.intend(vol, op, rows.isEmpty() ? c.describe() : rows.get(0).connection());
            Detached d;
            try {
                d = c.disconnect(force, rows.stream().map(Attachment::wwid).findFirst(),
                        new JournaledSteps(ledger, intent, op, watch));
            } catch (RuntimeException e) {
                ledger.finish(intent, false, e.getMessage());
                throw e;
            }
            if (d.clean()) {
                ledger.removeAttachments(vol);
            }
            ledger.finish(intent, d.clean(), d.clean() ? "clean" : "leftovers " + d.leftovers());
            DisconnectResult r = new DisconnectResult(d.removed(), d.leftovers(), d.errors(), List.of(), d.alreadyGone(),
                    fenced);
            if (!r.clean() && !ignoreErrors) {
                throw new LeftoversException(vol, r);
            }
            return r;
        }
    }

    /**
     * What {@link #disconnect} with force and no instance would do now, without doing it
     * (brickctl cleanup --volume prints it, then runs that disconnect).
     */
    public List<String> forcedDisconnectPlan(ConnectionInfo info) {
        List<Attachment> rows = ledger.attachments(info.volumeId());
        if (!rows.isEmpty() && rows.stream().allMatch(Attachment::fenced)) {
            return List.of("ledger: forget the fenced attachment (its devices went at the fence; the host is not touched)");
        }
        List<String> plan = new ArrayList<>(bind(info).forcedDisconnectPlan(rows.stream().map(Attachment::wwid)
                .findFirst()));
        if (!rows.isEmpty()) {
            plan.add("ledger: forget the attachment (instances " + rows.stream().map(a -> a.instance().isEmpty() ? "none named"
                    : a.instance()).toList() + ") once nothing of it is left");
        }
        return plan;
    }

    /** The volume's attachments as recorded; NOT_FOUND when the ledger has none. */
    public List<Attachment> recorded(VolumeId vol) {
        List<Attachment> rows = ledger.attachments(vol);
        if (rows.isEmpty()) {
            throw new BrickException(BrickException.Code.NOT_FOUND, "volume " + vol + " has no attachment in brickd's"
                    + " ledger on this host ('brickctl attachments' lists them; 'brickctl cleanup --stale' handles"
                    + " devices no attachment owns)");
        }
        return rows;
    }

    public long extend(ConnectionInfo info) {
        VolumeId vol = info.volumeId();
        try (KeyedLocks.Held held = volumeLocks.lock("volume " + vol)) {
            return bind(info).extend();
        }
    }

    public List<String> volumePaths(ConnectionInfo info) {
        return bind(info).volumePaths();
    }

    public List<Attachment> attachments() {
        return ledger.allAttachments();
    }

    private Map<Wwid, VolumeId> otherOwners(VolumeId vol) {
        Map<Wwid, VolumeId> out = new HashMap<>();
        for (Attachment a : ledger.allAttachments()) {
            if (!a.volumeId().equals(vol) && !a.fenced()) {
                out.put(a.wwid(), a.volumeId());
            }
        }
        return out;
    }

    private static List<String> devices(Attached att) {
        List<String> out = new ArrayList<>();
        for (Attached.PathDevice p : att.devices()) {
            out.add(p.hctl() + "=" + p.disk().name());
        }
        return out;
    }

    /**
     * Before scanning: any other live attachment that names one of this connection's LUN
     * addresses is read live, and fenced if its LUN now answers another WWID (the array
     * reused the LUN number). If it still answers its own WWID, I1 refuses this connect.
     */
    private void fenceReusedLuns(ConnectionInfo info) {
        if (fencing.isEmpty()) {
            return;
        }
        List<String> mine = info.lunAddresses();
        for (Attachment a : ledger.allAttachments()) {
            if (a.fenced() || a.volumeId().equals(info.volumeId())) {
                continue;
            }
            ConnectionInfo theirs;
            try {
                theirs = fencing.get().recorded().apply(a.connection());
            } catch (RuntimeException e) {
                log.warn("volume {}: cannot read the recorded connection of volume {} ({}); not checked for LUN reuse",
                        info.volumeId(), a.volumeId(), e.getMessage());
                continue;
            }
            if (theirs.lunAddresses().stream().noneMatch(mine::contains)) {
                continue;
            }
            try (KeyedLocks.Held other = volumeLocks.lock("volume " + a.volumeId())) {
                fencing.get().fencer().checkAndFence(a).ifPresent(f -> log.error(
                        "volume {}: attaching it fenced volume {} first (LUN reused: {} -> {})", info.volumeId(),
                        a.volumeId(), a.wwid().udev(), f.now().udev()));
            }
        }
    }

    Bound<?> bind(ConnectionInfo info) {
        if (info instanceof IscsiConnection c) {
            return new Bound<>(iscsi, c, c.paths().toString());
        }
        FcConnection c = (FcConnection) info;
        VolumeConnector<FcConnection> connector = fc.orElseThrow(() -> new BrickException(
                BrickException.Code.UNAVAILABLE, "volume " + info.volumeId()
                        + ": Fibre Channel is not available on this host (no FC connector configured)"));
        return new Bound<>(connector, c, c.targets().toString());
    }

    /** A connection with the connector of its transport. */
    record Bound<C extends ConnectionInfo>(VolumeConnector<C> connector, C c, String describe) {
        boolean multipathAvailable() {
            return connector.multipathAvailable();
        }

        Attached connectSingle(Identity id, Steps steps) {
            return connector.connectSingle(c, id, steps);
        }

        Attached connectMultipath(Identity id, Steps steps) {
            return connector.connectMultipath(c, id, steps);
        }

        List<String> forcedDisconnectPlan(Optional<Wwid> known) {
            return connector.forcedDisconnectPlan(c, known);
        }

        Detached disconnect(boolean force, Optional<Wwid> known, Steps steps) {
            return connector.disconnect(c, force, known, steps);
        }

        long extend() {
            return connector.extend(c);
        }

        List<String> volumePaths() {
            return connector.volumePaths(c);
        }
    }

    /** A disconnect that could not remove everything; lists what is left. */
    public static final class LeftoversException extends BrickException {
        private final transient DisconnectResult result;

        LeftoversException(VolumeId vol, DisconnectResult r) {
            super(Code.LEFTOVERS, "volume " + vol + ": disconnect left " + r.leftovers() + " on the host"
                    + (r.errors().isEmpty() ? "" : " after errors " + r.errors())
                    + "; retry with force, or with ignore_errors to accept the leftovers");
            this.result = r;
        }

        public DisconnectResult result() {
            return result;
        }
    }
}
