package org.brickd.fc;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.brickd.connector.Attached;
import org.brickd.connector.Attached.PathDevice;
import org.brickd.connector.VolumeDevices;
import org.brickd.connector.Detached;
import org.brickd.connector.FcConnection;
import org.brickd.connector.Identity;
import org.brickd.connector.PathIdentity;
import org.brickd.connector.StepKind;
import org.brickd.connector.Steps;
import org.brickd.connector.VolumeConnector;
import org.brickd.errors.BrickException;
import org.brickd.errors.HostException;
import org.brickd.errors.WwidMismatchException;
import org.brickd.fc.FcPaths.FcPath;
import org.brickd.multipath.DmMap;
import org.brickd.multipath.Multipath;
import org.brickd.scsi.ScsiOps;
import org.brickd.types.BlockDevice;
import org.brickd.types.Hctl;
import org.brickd.types.Wwid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fibre Channel attach, detach and extend, single path and dm-multipath. The paths come
 * from sysfs ({@link FcPaths} over {@link FcHosts} and {@link FcRemotePorts}); each is
 * brought up by a targeted "C T L" scan on its HBA (I2: never a wildcard; a target port no
 * HBA reaches is reported, not searched for), its disk awaited on uevents, and the LUN's
 * WWID read live from every path (I1). On any failure every device this call scanned is
 * deleted again. Detach finds the devices by address (HBA, target id, LUN), not by I/O, so
 * it removes them when no path answers (I3). Each scan and delete is a journaled step of the
 * operation's {@link Steps}.
 */
public final class FcConnector implements VolumeConnector<FcConnection> {

    private static final Logger log = LoggerFactory.getLogger(FcConnector.class);

    /** Deadlines; each bounds one wait, none is a sleep. */
    public record Settings(Duration device, Duration link, Duration removal) {
        public static Settings defaults() {
            return new Settings(Duration.ofSeconds(20), Duration.ofSeconds(30), Duration.ofSeconds(20));
        }
    }

    private final FcHosts hosts;
    private final FcRemotePorts rports;
    private final ScsiOps scsi;
    private final PathIdentity identity;
    private final VolumeDevices devices;
    private final Multipath multipath;
    private final Settings settings;

    /** @param multipath multipathd access, or null when the host has none (single path only) */
    public FcConnector(FcHosts hosts, FcRemotePorts rports, ScsiOps scsi, PathIdentity identity,
            VolumeDevices devices, Multipath multipath, Settings settings) {
        this.hosts = hosts;
        this.rports = rports;
        this.scsi = scsi;
        this.identity = identity;
        this.devices = devices;
        this.multipath = multipath;
        this.settings = settings;
    }

    @Override
    public boolean multipathAvailable() {
        return multipath != null;
    }

    private FcPaths.Plan plan(FcConnection c) {
        FcPaths.Plan plan = FcPaths.forConnect(c, hosts.all(), rports.all());
        if (plan.paths().isEmpty()) {
            throw new HostException("volume " + c.volumeId() + ": no online HBA of this host sees an online FCP target"
                    + " port of the volume, so nothing was scanned: " + String.join("; ", plan.unreachable()));
        }
        plan.unreachable().forEach(u -> log.warn("volume {}: {}", c.volumeId(), u));
        return plan;
    }

    /**
     * Single-path attach: tries the paths in order and hands out the first that comes up and
     * passes I1. A path that fails is removed again and the next is tried; an identity
     * mismatch stops at once (another path would show the same LUN).
     */
    @Override
    public Attached connectSingle(FcConnection c, Identity id, Steps steps) {
        FcPaths.Plan plan = plan(c);
        List<String> failures = new ArrayList<>(plan.unreachable());
        for (FcPath p : plan.paths()) {
            List<Hctl> scanned = new ArrayList<>();
            try {
                PathDevice pd = bringUp(c, p, scanned, steps);
                Wwid wwid = identity.verify(c.volumeId(), List.of(pd), c.expectedWwid(), id);
                String stable = identity.diskLink(wwid, pd.disk());
                log.info("volume {}: attached {} ({}) via {} as {}", c.volumeId(), pd.disk(), pd.hctl(), p, stable);
                return new Attached(stable, wwid, Optional.empty(), List.of(pd), failures);
            } catch (RuntimeException e) {
                removeScanned(c, scanned, e, steps);
                if (e instanceof WwidMismatchException) {
                    throw e;
                }
                log.warn("volume {}: path {} failed: {}", c.volumeId(), p, e.getMessage());
                failures.add(p + ": " + e.getMessage());
            }
        }
        throw new HostException("volume " + c.volumeId() + ": no path could be attached: " + String.join("; ", failures)
                + ". Nothing was left on the host.");
    }

    /**
     * Multipath attach: every reachable path is scanned (a scan returns when the kernel has
     * probed the LUN), then I1 over every path that came up, then multipathd builds the map
     * (its WWID is added first: hosts run {@code find_multipaths strict}). Paths that failed
     * and target ports that were unreachable are reported; the attach succeeds degraded while
     * one path works.
     */
    @Override
    public Attached connectMultipath(FcConnection c, Identity id, Steps steps) {
        if (multipath == null) {
            throw new BrickException(BrickException.Code.UNAVAILABLE, "volume " + c.volumeId()
                    + ": multipath requested but multipathd is not reachable on this host");
        }
        FcPaths.Plan plan = plan(c);
        List<String> failed = new ArrayList<>(plan.unreachable());
        List<Hctl> scanned = new ArrayList<>();
        List<PathDevice> up = new ArrayList<>();
        Wwid wwid = null;
        try {
            for (FcPath p : plan.paths()) {
                try {
                    up.add(bringUp(c, p, scanned, steps));
                } catch (BrickException e) {
                    log.warn("volume {}: path {} failed: {}", c.volumeId(), p, e.getMessage());
                    failed.add(p + ": " + e.getMessage());
                }
            }
            if (up.isEmpty()) {
                throw new HostException("volume " + c.volumeId() + ": no path could be attached: "
                        + String.join("; ", failed));
            }
            wwid = identity.verify(c.volumeId(), up, c.expectedWwid(), id);
            DmMap map = devices.assembleMap(wwid, up, settings.device(), steps);
            String stable = identity.mapLink(wwid, map.device());
            if (failed.isEmpty()) {
                log.info("volume {}: attached {} with {} paths as {}", c.volumeId(), map, up.size(), stable);
            } else {
                log.warn("volume {}: attached DEGRADED as {} with {} paths; failed: {}", c.volumeId(), stable, up.size(),
                        failed);
            }
            return new Attached(stable, wwid, Optional.of(map.device()), up, failed);
        } catch (RuntimeException e) {
            if (wwid != null) {
                devices.removeMapQuietly(wwid, e, steps);
            }
            removeScanned(c, scanned, e, steps);
            throw e;
        }
    }

    /**
     * Scans exactly the path's LUN unless its device is there already (then it is not this
     * call's to remove), and waits for its disk. {@code scanned} gets the address before the
     * write, so a failure after it is undone.
     */
    private PathDevice bringUp(FcConnection c, FcPath p, List<Hctl> scanned, Steps steps) {
        Hctl hctl = p.hctl();
        if (!scsi.present(hctl)) {
            scanned.add(hctl);
            steps.run(StepKind.SCAN, hctl + " via HBA " + p.hba().portName() + " to " + p.rport().portName(), () -> {
                if (!scsi.scan(hctl)) {
                    throw new HostException("LUN " + p.lun() + " is not presented to HBA " + p.hba().portName()
                            + " (host" + p.hba().host() + ") by target port " + p.rport().portName() + " (a scan of "
                            + hctl + " found nothing)");
                }
            });
        }
        if (scsi.noDevice(hctl)) {
            throw new HostException("LUN " + p.lun() + " is not mapped to HBA " + p.hba().portName() + " by target port "
                    + p.rport().portName() + " (" + hctl + " answers as peripheral type 0x1f, no device)");
        }
        BlockDevice disk = scsi.awaitDisk(hctl, settings.device());
        return new PathDevice(hctl, disk, p.toString());
    }

    /** Deletes every device this call scanned; what fails joins {@code cause}, which the caller rethrows. */
    private void removeScanned(FcConnection c, List<Hctl> scanned, RuntimeException cause, Steps steps) {
        for (Hctl h : scanned) {
            try {
                steps.run(StepKind.DELETE, h.toString(), () -> scsi.delete(h, settings.removal()));
            } catch (RuntimeException e) {
                cause.addSuppressed(e);
                log.error("volume {}: removing {} after a failed attach failed: {}", c.volumeId(), h, e.getMessage());
            }
        }
    }

    /**
     * Removes every device of the volume on every HBA (found by address from the target
     * ports and the LUN, whatever their state) and the map on them or of {@code knownWwid}.
     */
    @Override
    public Detached disconnect(FcConnection c, boolean force, Optional<Wwid> knownWwid, Steps steps) {
        List<Hctl> found = present(c);
        VolumeDevices.Outcome done = devices.remove(c.volumeId(), found, force, knownWwid, steps);
        List<String> leftovers = leftovers(c, knownWwid);
        log.info("volume {}: detached{}: removed {}, leftovers {}, errors {}", c.volumeId(), force ? " (force)" : "",
                done.removed(), leftovers, done.errors());
        return new Detached(done.removed(), leftovers, done.errors(),
                found.isEmpty() && done.removed().isEmpty() && done.errors().isEmpty());
    }

    /** Its maps and devices on every HBA (FC has no session to log out of). */
    @Override
    public List<String> forcedDisconnectPlan(FcConnection c, Optional<Wwid> knownWwid) {
        return devices.plan(present(c), knownWwid);
    }

    private List<Hctl> present(FcConnection c) {
        return FcPaths.forDisconnect(c, rports.all()).stream().filter(scsi::present).toList();
    }

    /** What of the volume is still on the host: its devices on any HBA, its map. */
    public List<String> leftovers(FcConnection c, Optional<Wwid> knownWwid) {
        List<String> out = new ArrayList<>();
        for (Hctl h : present(c)) {
            out.add("device " + h + scsi.devices().blockOf(h).map(b -> " (" + b + ")").orElse(""));
        }
        knownWwid.flatMap(devices::mapOf).ifPresent(m -> out.add("map " + m));
        return out;
    }

    /** Rescans every path device of the volume, resizes its map if it has one, answers the new size in bytes. */
    @Override
    public long extend(FcConnection c) {
        return devices.extend(c.volumeId(), present(c));
    }

    /** The block devices of the volume present now, on every HBA. */
    @Override
    public List<String> volumePaths(FcConnection c) {
        List<String> out = new ArrayList<>();
        for (Hctl h : present(c)) {
            scsi.devices().blockOf(h).ifPresent(d -> out.add(d.devPath()));
        }
        return out;
    }
}
