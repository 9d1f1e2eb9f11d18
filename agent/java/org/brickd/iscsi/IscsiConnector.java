package org.brickd.iscsi;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.brickd.connector.Attached;
import org.brickd.connector.Attached.PathDevice;
import org.brickd.connector.Detached;
import org.brickd.connector.VolumeDevices;
import org.brickd.connector.PathIdentity;
import org.brickd.connector.Identity;
import org.brickd.connector.IscsiConnection;
import org.brickd.connector.VolumeConnector;
import org.brickd.connector.IscsiConnection.IscsiPath;
import org.brickd.connector.KeyedLocks;
import org.brickd.connector.Steps;
import org.brickd.errors.BrickException;
import org.brickd.errors.HostException;
import org.brickd.errors.WwidMismatchException;
import org.brickd.host.DevFs;
import org.brickd.host.Uevents;
import org.brickd.multipath.DmMap;
import org.brickd.multipath.DmMaps;
import org.brickd.multipath.Multipath;
import org.brickd.scsi.ScsiOps;
import org.brickd.scsi.WwidProbe;
import org.brickd.types.Hctl;
import org.brickd.types.Wwid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * iSCSI attach, detach and extend, single path and dm-multipath. Each path is brought up
 * by {@link PathBringUp}; the LUN's WWID is read live from every path and checked (I1)
 * before a stable by-id path is handed out. On any failure what this call created is
 * removed again.
 */
public final class IscsiConnector implements VolumeConnector<IscsiConnection> {

    private static final Logger log = LoggerFactory.getLogger(IscsiConnector.class);

    /** Deadlines; each bounds one wait, none is a sleep. */
    public record Settings(Duration login, Duration device, Duration link, Duration removal) {
        public static Settings defaults() {
            return new Settings(Duration.ofSeconds(20), Duration.ofSeconds(20), Duration.ofSeconds(30), Duration.ofSeconds(20));
        }
    }

    private static final ExecutorService PATH_WORKERS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "iscsi-path");
        t.setDaemon(true);
        return t;
    });

    private final IscsiAdm adm;
    private final IscsiSessions sessions;
    private final ScsiOps scsi;
    private final Settings settings;
    private final PathBringUp paths;
    private final Multipath multipath;
    private final PathIdentity identity;
    private final VolumeDevices volumeDevices;

    /** Single path only (no multipathd on this host). */
    public IscsiConnector(IscsiAdm adm, IscsiSessions sessions, ScsiOps scsi, WwidProbe probe, DevFs dev,
            Uevents uevents, KeyedLocks targetLocks, Settings settings) {
        this(adm, sessions, scsi, probe, dev, uevents, targetLocks, settings, null, null);
    }

    /** @param multipath multipathd access, or null when the host has none; {@code maps} reads dm maps from sysfs */
    public IscsiConnector(IscsiAdm adm, IscsiSessions sessions, ScsiOps scsi, WwidProbe probe, DevFs dev,
            Uevents uevents, KeyedLocks targetLocks, Settings settings, Multipath multipath, DmMaps maps) {
        this.adm = adm;
        this.sessions = sessions;
        this.scsi = scsi;
        this.settings = settings;
        this.paths = new PathBringUp(adm, sessions, scsi, uevents, targetLocks, settings);
        this.multipath = multipath;
        this.identity = new PathIdentity(probe, dev, uevents, settings.link());
        this.volumeDevices = new VolumeDevices(scsi, multipath,
                maps != null ? maps : multipath != null ? multipath.maps() : null, settings.removal());
    }

    @Override
    public boolean multipathAvailable() {
        return multipath != null;
    }

    /**
     * Single-path attach: tries the paths in order and hands out the first that comes up
     * and passes I1. A path that fails is cleaned up and the next is tried; an identity
     * mismatch stops at once (another path would show the same LUN).
     */
    @Override
    public Attached connectSingle(IscsiConnection c, Identity identity, Steps steps) {
        List<String> failures = new ArrayList<>();
        for (IscsiPath p : c.paths()) {
            PathBringUp.Progress done = new PathBringUp.Progress(p, steps);
            PathDevice pd;
            try {
                pd = paths.bringUp(c, p, done);
            } catch (BrickException e) {
                log.warn("volume {}: path {} failed: {}", c.volumeId(), p, e.getMessage());
                failures.add(p + ": " + e.getMessage());
                continue;
            }
            try {
                Wwid wwid = this.identity.verify(c.volumeId(), List.of(pd), c.expectedWwid(), identity);
                String stable = this.identity.diskLink(wwid, pd.disk());
                log.info("volume {}: attached {} ({}) via {} as {}", c.volumeId(), pd.disk(), pd.hctl(), p, stable);
                return new Attached(stable, wwid, Optional.empty(), List.of(pd), failures);
            } catch (RuntimeException e) {
                paths.undo(c, done, e);
                if (e instanceof WwidMismatchException) {
                    throw e;
                }
                failures.add(p + ": " + e.getMessage());
            }
        }
        throw new HostException("volume " + c.volumeId() + ": no path could be attached: " + String.join("; ", failures)
                + ". Nothing was left on the host.");
    }

    /**
     * Multipath attach: every path is brought up in parallel, each within its own deadlines,
     * so a dead portal costs at most its login deadline. I1 over every path that came up,
     * then multipathd builds the map (the WWID is added to its list first: the host runs
     * {@code find_multipaths strict}). A path that failed is reported; the attach succeeds
     * degraded while at least one path works.
     */
    @Override
    public Attached connectMultipath(IscsiConnection c, Identity identity, Steps steps) {
        if (multipath == null) {
            throw new BrickException(BrickException.Code.UNAVAILABLE, "volume " + c.volumeId()
                    + ": multipath requested but multipathd is not reachable on this host");
        }
        List<String> failed = new ArrayList<>();
        List<IscsiPath> all = multipathPaths(c, failed);
        List<PathBringUp.Progress> progress = new ArrayList<>();
        List<CompletableFuture<PathDevice>> futures = new ArrayList<>();
        for (IscsiPath p : all) {
            PathBringUp.Progress done = new PathBringUp.Progress(p, steps);
            progress.add(done);
            futures.add(CompletableFuture.supplyAsync(() -> paths.bringUp(c, p, done), PATH_WORKERS));
        }
        List<PathDevice> up = new ArrayList<>();
        for (int i = 0; i < futures.size(); i++) {
            try {
                up.add(futures.get(i).join());
            } catch (CompletionException e) {
                String why = e.getCause() != null ? e.getCause().getMessage() : e.getMessage();
                log.warn("volume {}: path {} failed: {}", c.volumeId(), all.get(i), why);
                failed.add(all.get(i) + ": " + why);
            }
        }
        if (up.isEmpty()) {
            throw new HostException("volume " + c.volumeId() + ": no path could be attached: " + String.join("; ", failed)
                    + ". Nothing was left on the host.");
        }
        Wwid wwid = null;
        try {
            wwid = this.identity.verify(c.volumeId(), up, c.expectedWwid(), identity);
            DmMap map = volumeDevices.assembleMap(wwid, up, settings.device(), steps);
            String stable = this.identity.mapLink(wwid, map.device());
            if (!failed.isEmpty()) {
                log.warn("volume {}: attached DEGRADED as {} with {} of {} paths; failed: {}", c.volumeId(), stable,
                        up.size(), all.size(), failed);
            } else {
                log.info("volume {}: attached {} with {} paths as {}", c.volumeId(), map, up.size(), stable);
            }
            return new Attached(stable, wwid, Optional.of(map.device()), up, failed);
        } catch (RuntimeException e) {
            if (wwid != null) {
                volumeDevices.removeMapQuietly(wwid, e, steps);
            }
            for (PathBringUp.Progress done : progress) {
                paths.undo(c, done, e);
            }
            throw e;
        }
    }

    /**
     * The paths a multipath attach brings up: those the backend listed or, when it named a
     * single portal without a list, that portal and every other portal at which it announces
     * the same target (SendTargets), with the same LUN. Targets of other IQNs that the portal
     * announces are not logged in to. When discovery fails the named portal is used alone and
     * the failure is reported with the failed paths.
     */
    private List<IscsiPath> multipathPaths(IscsiConnection c, List<String> failed) {
        if (!c.discoverPortals()) {
            return c.paths();
        }
        IscsiPath named = c.paths().get(0);
        List<IscsiPath> all = new ArrayList<>(c.paths());
        try {
            for (IscsiAdm.Announced a : adm.sendTargets(named.portal(), c.discoveryChap(), settings.login())) {
                IscsiPath p = new IscsiPath(a.portal(), a.target(), named.lun());
                if (a.target().equals(named.target()) && !all.contains(p)) {
                    all.add(p);
                }
            }
            log.info("volume {}: SendTargets at {} announces {} portal(s) of {}", c.volumeId(), named.portal(), all.size(),
                    named.target());
        } catch (BrickException e) {
            log.warn("volume {}: SendTargets discovery at {} failed, using that portal alone: {}", c.volumeId(),
                    named.portal(), e.getMessage());
            failed.add("discovery at " + named.portal() + ": " + e.getMessage());
        }
        return all;
    }

    /**
     * The volume's paths for a detach, extend or path listing: those of the connection, and
     * the volume's LUN on every other session to one of its targets (portals a multipath
     * attach found by discovery, or a connection_info that changed since the attach).
     */
    private List<IscsiPath> knownPaths(IscsiConnection c) {
        List<IscsiPath> all = new ArrayList<>(c.paths());
        for (IscsiSession s : sessions.all()) {
            for (IscsiPath p : c.paths()) {
                IscsiPath other = new IscsiPath(s.portal(), p.target(), p.lun());
                if (s.target().equals(p.target()) && !all.contains(other)) {
                    all.add(other);
                }
            }
        }
        return all;
    }

    /** As {@link #disconnect(IscsiConnection, boolean, Optional, Steps)} without a known WWID or a journal. */
    public Detached disconnect(IscsiConnection c, boolean force) {
        return disconnect(c, force, Optional.empty(), Steps.NONE);
    }

    /**
     * Detaches every map and device of the volume on every path, then logs out of sessions
     * that carry no other LUN. Without force, a flush failure stops before anything is
     * removed. With force, queueing is switched off first (so a flush cannot hang on dead
     * paths), flushes are bounded, errors are collected, and the removal goes on; an open
     * map is removed deferred.
     *
     * @param knownWwid the volume's WWID from the ledger: finds its map even when no path is left
     */
    @Override
    public Detached disconnect(IscsiConnection c, boolean force, Optional<Wwid> knownWwid, Steps steps) {
        Set<Hctl> devices = presentDevices(c);
        VolumeDevices.Outcome done = volumeDevices.remove(c.volumeId(), devices, force, knownWwid, steps);
        List<String> removed = new ArrayList<>(done.removed());
        List<String> errors = new ArrayList<>(done.errors());
        // every path, also without a session: its node record may be left (a crash after logout)
        for (IscsiPath p : new LinkedHashSet<>(knownPaths(c))) {
            try (KeyedLocks.Held t = paths.lockTarget(p)) {
                paths.cleanUpTarget(p, steps).ifPresent(removed::add);
            } catch (BrickException e) {
                errors.add("logout " + p.portal() + " " + p.target() + ": " + e.getMessage());
            }
        }
        List<String> leftovers = leftovers(c, knownWwid);
        // already gone: none of the volume's devices was there and nothing had to be undone; a session that
        // another volume's LUN still uses does not make this volume present
        return new Detached(removed, leftovers, errors, devices.isEmpty() && removed.isEmpty() && errors.isEmpty());
    }

    /** The volume's devices present now, on every session to one of its targets. */
    private Set<Hctl> presentDevices(IscsiConnection c) {
        Set<Hctl> devices = new LinkedHashSet<>();
        for (IscsiPath p : knownPaths(c)) {
            sessions.find(p.portal(), p.target()).map(s -> paths.hctlFor(s, p)).filter(scsi::present)
                    .ifPresent(devices::add);
        }
        return devices;
    }

    /** Its maps and devices, then every session of its paths that carries none but these devices (logged out). */
    @Override
    public List<String> forcedDisconnectPlan(IscsiConnection c, Optional<Wwid> knownWwid) {
        Set<Hctl> devices = presentDevices(c);
        List<String> plan = new ArrayList<>(volumeDevices.plan(devices, knownWwid));
        Set<IscsiSession> seen = new LinkedHashSet<>();
        for (IscsiPath p : knownPaths(c)) {
            sessions.find(p.portal(), p.target()).filter(seen::add)
                    .filter(s -> devices.containsAll(sessions.devices(s)))
                    .ifPresent(s -> plan.add("session " + p.portal() + " " + p.target() + " (logged out)"));
        }
        return plan;
    }

    /** What of the volume is still on the host: its devices on any session, its map. */
    public List<String> leftovers(IscsiConnection c) {
        return leftovers(c, Optional.empty());
    }

    private List<String> leftovers(IscsiConnection c, Optional<Wwid> knownWwid) {
        List<String> out = new ArrayList<>();
        for (IscsiPath p : knownPaths(c)) {
            sessions.find(p.portal(), p.target()).ifPresent(s -> {
                Hctl h = paths.hctlFor(s, p);
                if (scsi.present(h)) {
                    out.add("device " + h + scsi.devices().blockOf(h).map(b -> " (" + b + ")").orElse(""));
                }
            });
        }
        knownWwid.flatMap(volumeDevices::mapOf).ifPresent(m -> out.add("map " + m));
        return out;
    }

    /** Rescans every path of the volume, resizes its map if it has one, and answers the new size in bytes. */
    @Override
    public long extend(IscsiConnection c) {
        List<Hctl> devices = new ArrayList<>();
        for (IscsiPath p : knownPaths(c)) {
            sessions.find(p.portal(), p.target()).ifPresent(s -> devices.add(paths.hctlFor(s, p)));
        }
        return volumeDevices.extend(c.volumeId(), devices);
    }

    /** The device paths of the volume that exist now, without logging in. */
    @Override
    public List<String> volumePaths(IscsiConnection c) {
        List<String> out = new ArrayList<>();
        for (IscsiPath p : knownPaths(c)) {
            sessions.find(p.portal(), p.target()).ifPresent(s -> scsi.devices().blockOf(paths.hctlFor(s, p)).ifPresent(d ->
                    out.add(d.devPath())));
        }
        return out;
    }
}
