package org.brickd.daemon;

import java.nio.file.Path;
import org.brickd.connector.KeyedLocks;
import org.brickd.connector.PathIdentity;
import org.brickd.connector.VolumeDevices;
import org.brickd.fc.FcConnector;
import org.brickd.fc.FcHosts;
import org.brickd.fc.FcRemotePorts;
import java.nio.file.Files;
import org.brickd.host.CliMpathcmd;
import org.brickd.host.Commands;
import org.brickd.host.DevFs;
import org.brickd.host.DevMapper;
import org.brickd.host.JnaDevMapper;
import org.brickd.host.JnaMpathcmd;
import org.brickd.host.Mpathcmd;
import org.brickd.multipath.DmMaps;
import org.brickd.multipath.Multipath;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.brickd.host.JnaNative;
import org.brickd.host.Native;
import org.brickd.host.ProcessCommands;
import org.brickd.host.Sysfs;
import org.brickd.host.Uevents;
import org.brickd.iscsi.IscsiAdm;
import org.brickd.iscsi.NodeRecords;
import org.brickd.iscsi.IscsiConnector;
import org.brickd.iscsi.IscsiSessions;
import org.brickd.ledger.Ledger;
import org.brickd.scsi.ScsiDevices;
import org.brickd.scsi.ScsiOps;
import org.brickd.scsi.WwidProbe;
import org.brickd.rpc.ConnectionInfoJson;
import org.brickd.service.JournaledSteps;
import org.brickd.service.Recovery;
import org.brickd.service.VolumeService;
import org.brickd.stale.Fencer;
import org.brickd.stale.HostScanner;
import org.brickd.stale.StaleCleaner;
import org.brickd.stale.StaleClassifier;
import org.brickd.stale.StaleService;

/**
 * The composition root: the real host (rooted at "/") and the services over it, built
 * from the config. The daemon builds one; brickctl's offline mode builds the same.
 */
public final class Wiring implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Wiring.class);

    public final Config config;
    /** The host's root ("/" in production). */
    public final Path root;
    public final Sysfs sysfs;
    public final DevFs dev;
    public final Native nat;
    public final Commands commands;
    public final Uevents uevents;
    public final Ledger ledger;
    public final IscsiSessions sessions;
    public final ScsiDevices scsiDevices;
    public final VolumeService volumes;
    /** multipathd access, or null when the host has no multipath-tools. */
    public final Multipath multipath;
    public final StaleService stale;
    private volatile java.util.List<Recovery.Resolution> recovered = java.util.List.of();

    /**
     * What the services act on: the OS access rooted at {@code root}. The daemon and brickctl
     * use {@link #real}; unit tests pass fakes (a fake sysfs root, recorded commands, no multipathd).
     */
    public record Host(Path root, Sysfs sysfs, DevFs dev, Native nat, Commands commands, Uevents uevents,
            boolean multipathTools) {
        public static Host real(Path root) {
            Native nat = new JnaNative();
            return new Host(root, new Sysfs(root), new DevFs(root), nat, new ProcessCommands(),
                    Uevents.open(nat, java.time.Duration.ofMillis(250)), true);
        }

        /**
         * A copy of a host's sys/ and dev/ under {@code root}, for read-only methods: no uevent
         * socket and no multipathd, which would be this machine's, not the copy's (and cost a
         * short command the loading of two libraries, or a search for them).
         */
        public static Host copy(Path root) {
            return new Host(root, new Sysfs(root), new DevFs(root), new JnaNative(), new ProcessCommands(),
                    new Uevents(null, java.time.Duration.ofMillis(250)), false);
        }
    }

    public Wiring(Config config, Path root) {
        this(config, Host.real(root), JournaledSteps.Watch.NONE);
    }

    public Wiring(Config config, Host host) {
        this(config, host, JournaledSteps.Watch.NONE);
    }

    /** @param watch told of every journaled step before it runs (the daemon's fault point, or none) */
    public Wiring(Config config, Host host, JournaledSteps.Watch watch) {
        this.config = config;
        this.root = host.root();
        this.sysfs = host.sysfs();
        this.dev = host.dev();
        this.nat = host.nat();
        this.commands = host.commands();
        this.ledger = Ledger.open(config.path("state_dir"));
        this.uevents = host.uevents();
        this.sessions = new IscsiSessions(sysfs);
        this.scsiDevices = new ScsiDevices(sysfs);
        WwidProbe probe = new WwidProbe(dev, nat, config.duration("command_timeout"));
        ScsiOps scsi = new ScsiOps(sysfs, dev, nat, uevents);
        this.multipath = host.multipathTools() ? multipath(config) : null;
        IscsiConnector iscsi = new IscsiConnector(new IscsiAdm(commands, config.duration("command_timeout"),
                new NodeRecords(root, config.duration("command_timeout"))), sessions,
                scsi, probe, dev, uevents, new KeyedLocks(config.duration("lock_timeout")),
                new IscsiConnector.Settings(config.duration("login_timeout"), config.duration("device_timeout"),
                        config.duration("link_timeout"), config.duration("removal_timeout")),
                multipath, new DmMaps(sysfs));
        FcConnector fc = new FcConnector(new FcHosts(sysfs), new FcRemotePorts(sysfs), scsi,
                new PathIdentity(probe, dev, uevents, config.duration("link_timeout")),
                new VolumeDevices(scsi, multipath, new DmMaps(sysfs), config.duration("removal_timeout")), multipath,
                new FcConnector.Settings(config.duration("device_timeout"), config.duration("link_timeout"),
                        config.duration("removal_timeout")));
        KeyedLocks volumeLocks = new KeyedLocks(config.duration("lock_timeout"));
        DmMaps dmMaps = new DmMaps(sysfs);
        Fencer fencer = new Fencer(scsiDevices, probe, scsi, multipath, dmMaps, ledger, config.duration("removal_timeout"));
        this.volumes = new VolumeService(ledger, iscsi, java.util.Optional.of(fc), probe, volumeLocks,
                java.util.Optional.of(new VolumeService.Fencing(fencer, ConnectionInfoJson::parseRecorded)), watch);
        this.stale = new StaleService(new HostScanner(sysfs, scsiDevices, probe, dmMaps, ledger),
                new StaleCleaner(scsi, multipath, dmMaps, ledger, fencer, volumeLocks, config.duration("removal_timeout"),
                        (kind, what) -> watch.intended("cleanup", kind, what)),
                new StaleClassifier.Policy(config.bool("stale_remove_unowned"), config.names("stale_exclude")),
                volumes::inFlight);
    }

    /** Resolves what a crash left unfinished (I6); the daemon runs it before accepting calls. */
    public java.util.List<Recovery.Resolution> recover() {
        recovered = java.util.List.copyOf(new Recovery(ledger, volumes, ConnectionInfoJson::parseRecorded).run());
        return recovered;
    }

    /** What {@link #recover} did at start. */
    public java.util.List<Recovery.Resolution> recovered() {
        return recovered;
    }

    /** libmpathcmd through JNA; the multipathd CLI when the library cannot be loaded; none without multipath-tools. */
    private Multipath multipath(Config config) {
        Mpathcmd mpathd;
        try {
            mpathd = new JnaMpathcmd();
        } catch (RuntimeException | LinkageError e) {
            if (!Files.isExecutable(Path.of("/sbin/multipathd")) && !Files.isExecutable(Path.of("/usr/sbin/multipathd"))) {
                log.info("no multipath-tools on this host: multipath attaches are unavailable");
                return null;
            }
            log.warn("libmpathcmd unavailable ({}); talking to multipathd through its CLI", e.getMessage());
            mpathd = new CliMpathcmd(commands);
        }
        DevMapper dmLib;
        try {
            dmLib = new JnaDevMapper();
        } catch (RuntimeException | LinkageError e) {
            log.info("libdevmapper unavailable ({}): multipath attaches are unavailable", e.getMessage());
            return null;
        }
        return new Multipath(mpathd, commands, dmLib, sysfs, dev, uevents, new Multipath.Settings(
                config.duration("command_timeout"), config.duration("link_timeout"), java.time.Duration.ofSeconds(3)));
    }

    @Override
    public void close() {
        uevents.close();
        ledger.close();
    }
}
