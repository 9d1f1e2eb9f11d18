package org.brickd.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.brickd.errors.DeadlineException;
import org.brickd.errors.HostException;
import org.brickd.host.Command;
import org.brickd.host.CommandResult;
import org.brickd.host.Commands;
import org.brickd.host.DevFs;
import org.brickd.host.Native;
import org.brickd.host.ScsiCheckException;
import org.brickd.host.Sysfs;
import org.brickd.types.BlockDevice;
import org.brickd.types.Hctl;
import org.brickd.types.Iqn;
import org.brickd.types.Portal;
import org.brickd.types.Wwid;

/**
 * A fake kernel, iscsid and set of LIO targets on one fake root, for unit tests of the iSCSI
 * connector. It plays each part the way the real one behaves on the kernel bed (see
 * reference/kernel-testbed.md §2, §3, §5):
 * <ul>
 *   <li>iscsiadm ({@link Commands}): node records per (target, portal) with iscsid.conf's
 *       defaults, {@code --login} that checks CHAP and builds the session's sysfs tree (a new
 *       SCSI host and session number each time) and, unless the record says
 *       {@code node.session.scan = manual}, scans every LUN the target maps, as iscsid does;
 *       {@code --logout} that tears the session and its devices down; open-iscsi's exit codes.</li>
 *   <li>the kernel ({@link #sysfs()}): "C T L" written to a host's scan creates that LUN's
 *       device, sd disk, /dev node and udev's by-id links only if the target maps it (an
 *       unmapped LUN 0 is LIO's virtual "no device" LUN: a SCSI device without a disk);
 *       "1" written to a device's delete removes it all, except while the device is
 *       "blocked", when the kernel would wait for the transport's recovery; rescan re-reads
 *       the capacity.</li>
 *   <li>SG_IO and block ioctls ({@link #nat()}): INQUIRY and VPD 0x83 in LIO's shape,
 *       answered from the target's current LUN (so a LUN swapped behind a live disk answers
 *       the new WWID while sysfs keeps the old one), the capacity read at the last scan or
 *       rescan, and flushes that can be made to fail.</li>
 * </ul>
 * Targets are described with a small builder:
 * {@code FakeIscsi.target("iqn...").portal("127.0.0.1:3260").lun(1, "naa.6001405...")}.
 */
public final class FakeIscsi implements Commands {

    public static final long DEFAULT_BYTES = 64L << 20;
    /** ISCSI_ERR_INVAL, _TRANS_TIMEOUT, _SESS_EXISTS, _FATAL_LOGIN, _NO_OBJS_FOUND, _LOGIN_AUTH_FAILED. */
    static final int INVAL = 7, TIMEOUT = 8, SESS_EXISTS = 15, FATAL_LOGIN = 19, NO_OBJS = 21, AUTH = 24;

    private static final int FIRST_HOST = 7;
    private static final Pattern SCAN = Pattern.compile("devices/platform/host(\\d+)/scsi_host/host\\d+/scan");
    private static final Pattern DEVICE_FILE =
            Pattern.compile("devices/platform/host\\d+/session\\d+/target[0-9:]+/(\\d+:\\d+:\\d+:\\d+)/(delete|rescan|state)");
    /** Keys brickd may set; iscsiadm refuses to update a key it does not know. */
    private static final Set<String> NODE_KEYS = Set.of("node.startup", "node.session.scan",
            "node.session.initial_login_retry_max", "node.conn[0].timeo.login_timeout",
            "node.session.timeo.replacement_timeout", "node.session.auth.authmethod", "node.session.auth.username",
            "node.session.auth.password", "node.session.auth.username_in", "node.session.auth.password_in");

    private final FakeHost host;
    private final List<Target> targets;
    private final List<Command> commands = new ArrayList<>();
    /** open-iscsi's node database under the root (etc/iscsi/nodes), record files as iscsiadm writes them. */
    private final Path nodeDb;
    private final Map<Integer, Session> sessions = new TreeMap<>();
    private final Map<String, Disk> disks = new TreeMap<>();
    private final Set<String> failingFlushes = new HashSet<>();
    private final List<String> flushed = new ArrayList<>();
    private final Map<Long, Runnable> slowDisks = new HashMap<>();
    private final List<String> udevOwes = new ArrayList<>();
    private volatile boolean udevLags;
    private int nextHost = FIRST_HOST;
    private int nextSid = 1;

    public FakeIscsi(Path root, Target... targets) {
        this.host = new FakeHost(root, this::onWrite);
        this.targets = List.of(targets);
        this.nodeDb = root.resolve("etc/iscsi/nodes");
        host.mkdirs("sys/class/iscsi_session");
        host.mkdirs("sys/class/iscsi_connection");
    }

    public static Target target(String iqn) {
        return new Target(Iqn.parse(iqn));
    }

    // ------------------------------------------------------------------ the seams handed to code under test

    public Sysfs sysfs() {
        return host.sysfs();
    }

    public DevFs devfs() {
        return host.devfs();
    }

    public Native nat() {
        return new FakeNative();
    }

    public FakeHost host() {
        return host;
    }

    /** brickd's writer of CHAP secrets into this root's node records. */
    public org.brickd.iscsi.NodeRecords nodeRecords() {
        return new org.brickd.iscsi.NodeRecords(host.root(), Duration.ofSeconds(1));
    }

    // ------------------------------------------------------------------ what a test inspects or changes

    /** Every command run so far, in order. */
    public synchronized List<Command> commands() {
        return List.copyOf(commands);
    }

    /** The node record for (target, portal), as {@code iscsiadm -m node -T -p} would print it. */
    public synchronized Optional<Map<String, String>> node(String portal, String iqn) {
        return readRecord(new NodeKey(Iqn.parse(iqn), Portal.parse(portal))).map(Map::copyOf);
    }

    /** Every sysfs control-file write, as "/sys/path=value". */
    public List<String> writes() {
        return host.writes();
    }

    /** Devices that were flushed (fsync + BLKFLSBUF), in order. */
    public synchronized List<String> flushed() {
        return List.copyOf(flushed);
    }

    /** Makes fsync/BLKFLSBUF on this disk fail with EIO, as on a disk whose transport is gone. */
    public synchronized void failFlush(BlockDevice disk) {
        failingFlushes.add(disk.name());
    }

    /** What an operator would list under the root: {@code ls("sys/class/iscsi_session")}. */
    public List<String> ls(String relative) {
        return host.ls(relative);
    }

    // ------------------------------------------------------------------ targets

    /** One LIO target as the test configures it; changes made while a test runs are seen at once. */
    public static final class Target {
        private final Iqn iqn;
        private final Map<Portal, Reach> portals = new LinkedHashMap<>();
        private final Map<Long, Lu> luns = new TreeMap<>();
        private final Set<Long> slowDisks = new HashSet<>();
        private String[] chap;
        private String[] chapIn;

        private Target(Iqn iqn) {
            this.iqn = iqn;
        }

        public Iqn iqn() {
            return iqn;
        }

        public Target portal(String portal) {
            portals.put(Portal.parse(portal), Reach.UP);
            return this;
        }

        /** A portal nothing answers on: a login runs into its timeout (exit 8). */
        public Target deadPortal(String portal) {
            portals.put(Portal.parse(portal), Reach.DEAD);
            return this;
        }

        /** A portal where iscsiadm itself does not come back before its deadline. */
        public Target hungPortal(String portal) {
            portals.put(Portal.parse(portal), Reach.HUNG);
            return this;
        }

        /** Maps a LUN of {@value #DEFAULT_BYTES} bytes to this initiator. */
        public Target lun(long lun, String wwid) {
            return lun(lun, wwid, DEFAULT_BYTES);
        }

        public Target lun(long lun, String wwid, long bytes) {
            synchronized (luns) {
                luns.put(lun, new Lu(Wwid.parse(wwid), bytes));
            }
            return this;
        }

        /** A scan of this LUN makes its SCSI device, but its sd disk appears only at {@link FakeIscsi#diskArrives}. */
        public Target slowDisk(long lun) {
            synchronized (luns) {
                slowDisks.add(lun);
            }
            return this;
        }

        boolean slow(long lun) {
            synchronized (luns) {
                return slowDisks.contains(lun);
            }
        }

        /** The target requires CHAP: the initiator must log in with this user and secret. */
        public Target chap(String user, String secret) {
            chap = new String[] {user, secret};
            return this;
        }

        /** Mutual CHAP: the target authenticates itself with this user and secret. */
        public Target mutualChap(String user, String secret) {
            chapIn = new String[] {user, secret};
            return this;
        }

        /** Grows (or shrinks) the LUN's backstore; the initiator sees it after a rescan. */
        public void resize(long lun, long bytes) {
            synchronized (luns) {
                luns.put(lun, new Lu(lu(lun).orElseThrow().wwid(), bytes));
            }
        }

        /** Unmaps the LUN on the target; devices the initiator has keep existing (the kernel is not told). */
        public void unmap(long lun) {
            synchronized (luns) {
                luns.remove(lun);
            }
        }

        /** Maps another backstore at this LUN (the CVE-2023-2088 situation): same LUN number, new WWID. */
        public void swap(long lun, String wwid) {
            lun(lun, wwid, lu(lun).map(Lu::bytes).orElse(DEFAULT_BYTES));
        }

        Optional<Lu> lu(long lun) {
            synchronized (luns) {
                return Optional.ofNullable(luns.get(lun));
            }
        }

        List<Long> mapped() {
            synchronized (luns) {
                return List.copyOf(luns.keySet());
            }
        }
    }

    private enum Reach { UP, DEAD, HUNG }

    record Lu(Wwid wwid, long bytes) {}

    private record NodeKey(Iqn iqn, Portal portal) {}

    /** Where iscsiadm --op new puts a record while the target portal group is unknown: nodes/IQN/ADDR,PORT. */
    private Path recordPath(NodeKey key) {
        return nodeDb.resolve(key.iqn().toString()).resolve(key.portal().host() + "," + key.portal().port());
    }

    /** The record's "key = value" lines, read from the file each time (brickd may write it directly). */
    private Optional<Map<String, String>> readRecord(NodeKey key) {
        Path f = recordPath(key);
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        Map<String, String> rec = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                String l = line.strip();
                int eq = l.indexOf(" = ");
                if (!l.startsWith("#") && eq > 0) {
                    rec.put(l.substring(0, eq), l.substring(eq + 3));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Optional.of(rec);
    }

    private void writeRecord(NodeKey key, Map<String, String> rec) {
        StringBuilder text = new StringBuilder("# BEGIN RECORD 2.1.8\n");
        rec.forEach((k, v) -> text.append(k).append(" = ").append(v).append('\n'));
        text.append("# END RECORD\n");
        try {
            Files.createDirectories(recordPath(key).getParent());
            Files.writeString(recordPath(key), text.toString(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private record Session(int sid, int host, Target target, Portal portal) {
        String dir() {
            return "sys/devices/platform/host" + host + "/session" + sid;
        }
    }

    /** An sd disk as the kernel has it: which LUN of which session, and the capacity it last read. */
    private record Disk(String name, Hctl hctl, Session session, long capacity) {}

    // ------------------------------------------------------------------ iscsiadm

    @Override
    public synchronized CommandResult run(Command c) {
        commands.add(c);
        List<String> a = c.argv();
        if (!a.get(0).equals("iscsiadm")) {
            return result(c, 127, "", a.get(0) + ": command not found");
        }
        if (a.size() < 7 || !a.subList(1, 3).equals(List.of("-m", "node")) || !a.get(3).equals("-T")
                || !a.get(5).equals("-p")) {
            return result(c, INVAL, "", "iscsiadm: FakeIscsi does not know " + c.display());
        }
        NodeKey key = new NodeKey(Iqn.parse(a.get(4)), Portal.parse(a.get(6)));
        List<String> op = a.subList(7, a.size());
        if (op.isEmpty()) {
            return show(c, key);
        }
        if (op.equals(List.of("--interface", "default", "--op", "new")) || op.equals(List.of("--op", "new"))) {
            writeRecord(key, defaults(key));
            return result(c, 0, "New iSCSI node [tcp:[hw=,ip=,net_if=,iscsi_if=default] " + key.portal() + ",-1 "
                    + key.iqn() + "] added", "");
        }
        if (op.size() == 6 && op.get(0).equals("--op") && op.get(1).equals("update") && op.get(2).equals("-n")
                && op.get(4).equals("-v")) {
            return update(c, key, op.get(3), op.get(5));
        }
        if (op.equals(List.of("--login"))) {
            return login(c, key);
        }
        if (op.equals(List.of("--logout"))) {
            return logout(c, key);
        }
        if (op.equals(List.of("--op", "delete"))) {
            return delete(c, key);
        }
        return result(c, INVAL, "", "iscsiadm: FakeIscsi does not know " + c.display());
    }

    private CommandResult show(Command c, NodeKey key) {
        Map<String, String> rec = readRecord(key).orElse(null);
        if (rec == null) {
            return noRecords(c);
        }
        StringBuilder out = new StringBuilder("# BEGIN RECORD 2.1.8\n");
        // iscsiadm masks secrets when it prints a record
        rec.forEach((k, v) -> out.append(k).append(" = ").append(k.contains("password") ? "********" : v).append('\n'));
        return result(c, 0, out.append("# END RECORD\n").toString(), "");
    }

    /** What {@code --op new} writes, from iscsid.conf as RHEL ships it (automatic startup, auto scan). */
    private static Map<String, String> defaults(NodeKey key) {
        Map<String, String> rec = new LinkedHashMap<>();
        rec.put("node.name", key.iqn().toString());
        rec.put("node.conn[0].address", key.portal().host());
        rec.put("node.conn[0].port", Integer.toString(key.portal().port()));
        rec.put("node.startup", "automatic");
        rec.put("node.session.scan", "auto");
        rec.put("node.session.initial_login_retry_max", "8");
        rec.put("node.conn[0].timeo.login_timeout", "15");
        rec.put("node.session.auth.authmethod", "None");
        return rec;
    }

    private CommandResult update(Command c, NodeKey key, String name, String value) {
        Map<String, String> rec = readRecord(key).orElse(null);
        if (rec == null) {
            return noRecords(c);
        }
        if (!NODE_KEYS.contains(name)) {
            return result(c, INVAL, "", "iscsiadm: Cannot modify " + name + ". It is used to look up the record"
                    + " and cannot be changed.");
        }
        rec.put(name, value);
        writeRecord(key, rec);
        return result(c, 0, "", "");
    }

    private CommandResult login(Command c, NodeKey key) {
        Map<String, String> rec = readRecord(key).orElse(null);
        if (rec == null) {
            return noRecords(c);
        }
        if (sessionOf(key).isPresent()) {
            return result(c, SESS_EXISTS, "", "iscsiadm: default: 1 session requested, but 1 already present.");
        }
        String where = "[iface: default, target: " + key.iqn() + ", portal: " + key.portal().host() + ","
                + key.portal().port() + "]";
        Optional<Target> target = targets.stream().filter(t -> t.portals.containsKey(key.portal())).filter(
                t -> t.iqn.equals(key.iqn())).findFirst();
        Reach reach = targets.stream().map(t -> t.portals.get(key.portal())).filter(r -> r != null).findFirst()
                .orElse(Reach.DEAD);
        if (reach == Reach.HUNG) {
            throw new DeadlineException(c.display() + " did not finish within " + c.timeout().toMillis()
                    + " ms; its process group was killed");
        }
        if (reach == Reach.DEAD) {
            return result(c, TIMEOUT, "Logging in to " + where + "\n", "iscsiadm: Could not login to " + where
                    + ".\niscsiadm: initiator reported error (8 - connection timed out)");
        }
        if (target.isEmpty()) {
            return result(c, FATAL_LOGIN, "Logging in to " + where + "\n", "iscsiadm: Could not login to " + where
                    + ".\niscsiadm: initiator reported error (19 - encountered non-retryable iSCSI login failure)");
        }
        Target t = target.get();
        if (!authenticates(t, rec)) {
            return result(c, AUTH, "Logging in to " + where + "\n", "iscsiadm: Could not login to " + where
                    + ".\niscsiadm: initiator reported error (24 - iSCSI login failed due to authorization failure)");
        }
        Session s = new Session(nextSid++, nextHost++, t, key.portal());
        sessions.put(s.sid(), s);
        buildSession(s);
        if (!"manual".equals(rec.get("node.session.scan"))) {
            for (long lun : t.mapped()) {
                scanLun(s, 0, 0, lun); // iscsid's automatic scan: every LUN the target maps
            }
        }
        return result(c, 0, "Logging in to " + where + "\nLogin to " + where + " successful.\n", "");
    }

    private static boolean authenticates(Target t, Map<String, String> rec) {
        boolean chap = "CHAP".equals(rec.get("node.session.auth.authmethod"));
        if (t.chap != null && !(chap && t.chap[0].equals(rec.get("node.session.auth.username"))
                && t.chap[1].equals(rec.get("node.session.auth.password")))) {
            return false;
        }
        return t.chapIn == null || chap && t.chapIn[0].equals(rec.get("node.session.auth.username_in"))
                && t.chapIn[1].equals(rec.get("node.session.auth.password_in"));
    }

    private CommandResult logout(Command c, NodeKey key) {
        Optional<Session> s = sessionOf(key);
        if (s.isEmpty()) {
            return result(c, NO_OBJS, "", "iscsiadm: No matching sessions found");
        }
        tearDown(s.get());
        return result(c, 0, "Logout of [sid: " + s.get().sid() + ", target: " + key.iqn() + ", portal: "
                + key.portal() + "] successful.\n", "");
    }

    private CommandResult delete(Command c, NodeKey key) {
        if (readRecord(key).isEmpty()) {
            return noRecords(c);
        }
        if (sessionOf(key).isPresent()) {
            // open-iscsi's delete_node: a record in use is not deleted
            return result(c, SESS_EXISTS, "", "iscsiadm: This command will remove the record [iface: default, target: "
                    + key.iqn() + ", portal: " + key.portal() + "], but a session is using it. Logout session then"
                    + " rerun command to remove record.");
        }
        try {
            Files.delete(recordPath(key));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return result(c, 0, "", "");
    }

    private Optional<Session> sessionOf(NodeKey key) {
        return sessions.values().stream().filter(s -> s.target().iqn.equals(key.iqn()) && s.portal().equals(key.portal()))
                .findFirst();
    }

    private static CommandResult noRecords(Command c) {
        return result(c, NO_OBJS, "", "iscsiadm: No records found");
    }

    private static CommandResult result(Command c, int exit, String out, String err) {
        return new CommandResult(c, exit, out, err, Duration.ofMillis(1));
    }

    // ------------------------------------------------------------------ the kernel's sysfs

    /** The session's tree, exactly as iscsi_tcp and scsi_transport_iscsi lay it out. */
    private void buildSession(Session s) {
        int n = s.sid();
        String platform = "devices/platform/host" + s.host();
        host.scsiHost(s.host());
        String sess = s.dir() + "/iscsi_session/session" + n;
        host.file(sess + "/targetname", s.target().iqn + "\n");
        host.file(sess + "/tpgt", "1\n");
        host.file(sess + "/state", "LOGGED_IN\n");
        host.link(sess + "/device", "../../../session" + n);
        host.link("sys/class/iscsi_session/session" + n, "../../" + platform + "/session" + n + "/iscsi_session/session" + n);
        String conn = "connection" + n + ":0";
        String connDir = s.dir() + "/" + conn + "/iscsi_connection/" + conn;
        host.file(connDir + "/persistent_address", s.portal().host() + "\n");
        host.file(connDir + "/persistent_port", s.portal().port() + "\n");
        host.link("sys/class/iscsi_connection/" + conn, "../../" + platform + "/session" + n + "/" + conn
                + "/iscsi_connection/" + conn);
    }

    /** Logout: the transport removes the session's devices, then the session and its SCSI host. */
    private void tearDown(Session s) {
        for (Disk d : List.copyOf(disks.values())) {
            if (d.session().equals(s)) {
                removeDevice(d.hctl());
            }
        }
        for (String lun : host.ls(s.dir())) {
            if (lun.startsWith("target")) {
                for (String h : host.ls(s.dir() + "/" + lun)) {
                    removeDevice(Hctl.parse(h)); // devices without a disk (LIO's virtual LUN 0)
                }
            }
        }
        host.remove("sys/class/iscsi_session/session" + s.sid());
        host.remove("sys/class/iscsi_connection/connection" + s.sid() + ":0");
        host.remove("sys/class/scsi_host/host" + s.host());
        host.remove("sys/devices/platform/host" + s.host());
        sessions.remove(s.sid());
    }

    /** Called for every sysfs write, with the real path; answers whether the kernel consumed it. */
    private synchronized boolean onWrite(String sysPath, String value) throws IOException {
        Matcher scan = SCAN.matcher(sysPath);
        if (scan.matches()) {
            scan(Integer.parseInt(scan.group(1)), value.strip());
            return true;
        }
        Matcher dev = DEVICE_FILE.matcher(sysPath);
        if (!dev.matches()) {
            return false;
        }
        Hctl h = Hctl.parse(dev.group(1));
        String base = "sys/class/scsi_device/" + h + "/device/";
        switch (dev.group(2)) {
            case "delete" -> {
                if (value.strip().equals("1") && !Files.readString(host.root().resolve(base + "state")).strip()
                        .equals("blocked")) {
                    removeDevice(h);
                }
                return true; // a blocked device's delete waits for transport recovery: nothing goes now
            }
            case "rescan" -> {
                Disk d = diskAt(h);
                if (d != null) {
                    long now = d.session().target().lu(h.lun()).map(Lu::bytes).orElse(d.capacity());
                    disks.put(d.name(), new Disk(d.name(), d.hctl(), d.session(), now));
                }
                return true;
            }
            default -> {
                return false; // state: the value is the new state
            }
        }
    }

    private void scan(int hostNo, String line) {
        String[] ctl = line.split(" ");
        Session s = sessions.values().stream().filter(x -> x.host() == hostNo).findFirst().orElse(null);
        if (s == null || ctl.length != 3) {
            return;
        }
        if (line.contains("-")) {
            for (long lun : s.target().mapped()) {
                scanLun(s, 0, 0, lun);
            }
            return;
        }
        scanLun(s, Integer.parseInt(ctl[0]), Integer.parseInt(ctl[1]), Long.parseLong(ctl[2]));
    }

    /** What the SCSI midlayer finds at one LUN: the target's mapped LU, LIO's virtual LUN 0, or nothing. */
    private void scanLun(Session s, int channel, int targetId, long lun) {
        Hctl h = new Hctl(s.host(), channel, targetId, lun);
        if (channel != 0 || targetId != 0 || host.exists("sys/class/scsi_device/" + h)) {
            return; // an iSCSI session has one target, 0:0; a present LUN is not added twice
        }
        Optional<Lu> lu = s.target().lu(lun);
        if (lu.isEmpty()) {
            if (lun == 0) {
                // LIO answers LUN 0 with a virtual read-only LU of type "no device": sd does not bind
                host.scsiDevice(s.dir(), h, null, "LIO-ORG", "RAMDISK-MCP", null);
            }
            return;
        }
        Wwid w = lu.get().wwid();
        host.scsiDevice(s.dir(), h, null, "LIO-ORG", "FILEIO", w.kernel());
        if (s.target().slow(lun)) {
            slowDisks.put(lun, () -> addDisk(s, h, lu.get()));
        } else {
            addDisk(s, h, lu.get());
        }
    }

    /** sd's probe of a scanned LUN whose target said {@link Target#slowDisk}: its disk appears now. */
    public void diskArrives(long lun) {
        Runnable probe;
        synchronized (this) {
            probe = slowDisks.remove(lun);
        }
        if (probe == null) {
            throw new IllegalStateException("LUN " + lun + " has not been scanned, or its disk is there already");
        }
        synchronized (this) {
            probe.run();
        }
    }

    private void addDisk(Session s, Hctl h, Lu lu) {
        String name = freeDiskName();
        Wwid w = lu.wwid();
        host.disk(s.dir(), h, name);
        host.file("sys/block/" + name + "/size", lu.bytes() / 512 + "\n");
        // udev's rules for the new disk (and its database entry, which multipathd reads)
        boolean naa = w.type() == Wwid.Type.NAA;
        host.udevProcessed(name, devnum(name), w.udev(), naa ? new String[] {"disk/by-id/wwn-0x" + w.id()} : new String[0]);
        host.link("dev/disk/by-id/scsi-" + w.udev(), "../../" + name);
        if (naa) {
            host.link("dev/disk/by-id/wwn-0x" + w.id(), "../../" + name);
        }
        disks.put(name, new Disk(name, h, s, lu.bytes()));
    }

    /**
     * udev falls behind on removals: a deleted disk's by-id links stay, dangling, until
     * {@link #udevCatchesUp}.
     */
    public FakeIscsi udevLagsOnRemoval() {
        udevLags = true;
        return this;
    }

    /** udev runs the removals it owes: the by-id links of deleted disks go. */
    public synchronized void udevCatchesUp() {
        udevOwes.forEach(name -> SdDevices.dropLinksTo(host, name));
        udevOwes.clear();
    }

    /** Removes a SCSI device: its directory and class links, the sd disk, /dev node and udev links. */
    private void removeDevice(Hctl h) {
        Disk d = diskAt(h);
        SdDevices.remove(host, h, d != null ? d.name() : null, !udevLags);
        if (d != null && udevLags) {
            udevOwes.add(d.name());
        }
        if (d != null) {
            disks.remove(d.name());
            host.remove("run/udev/data/b" + devnum(d.name()));
        }
    }

    /** sd's major:minor for a disk name (sda 8:0, sdb 8:16...). */
    private static String devnum(String name) {
        return "8:" + 16 * (name.charAt(2) - 'a');
    }

    private Disk diskAt(Hctl h) {
        return disks.values().stream().filter(d -> d.hctl().equals(h)).findFirst().orElse(null);
    }

    private String freeDiskName() {
        return SdDevices.freeName(disks.keySet());
    }

    // ------------------------------------------------------------------ SG_IO and block ioctls

    private final class FakeNative implements Native {

        @Override
        public byte[] inquiry(Path device, int vpdPage, Duration timeout) {
            synchronized (FakeIscsi.this) {
                Disk d = disk(device);
                Optional<Lu> mapped = d.session().target().lu(d.hctl().lun());
                if (mapped.isEmpty() && d.hctl().lun() == 0 && vpdPage < 0) {
                    // LIO answers INQUIRY at an unmapped LUN 0 from its virtual LUN 0: qualifier 1, type 0x1f
                    byte[] notConnected = standardInquiry();
                    notConnected[0] = 0x3f;
                    return notConnected;
                }
                // at any other unmapped LUN: CHECK CONDITION, ILLEGAL REQUEST / LOGICAL UNIT NOT SUPPORTED
                Lu lu = mapped.orElseThrow(() -> new ScsiCheckException("INQUIRY of " + device
                        + " failed: scsi status 0x2, sense key 0x5, asc 0x25, ascq 0x00", 0x5, 0x25, 0));
                if (vpdPage < 0) {
                    return standardInquiry();
                }
                if (vpdPage == 0x83) {
                    return vpd83(lu.wwid(), d.session().target().iqn);
                }
                throw new HostException("SG_IO INQUIRY page 0x" + Integer.toHexString(vpdPage) + " on " + device
                        + ": Illegal Request / Invalid field in CDB");
            }
        }

        @Override
        public long sizeBytes(Path device) {
            synchronized (FakeIscsi.this) {
                return disk(device).capacity();
            }
        }

        @Override
        public void flushBuffers(Path device) {
            synchronized (FakeIscsi.this) {
                String name = device.getFileName().toString();
                if (name.startsWith("dm-") && host.exists("sys/block/" + name)) {
                    flushed.add(name); // a map's flush: the fake multipathd's maps have no I/O of their own
                    return;
                }
                Disk d = disk(device);
                if (failingFlushes.contains(d.name())) {
                    throw new HostException("fsync " + device + ": Input/output error");
                }
                flushed.add(d.name());
            }
        }

        @Override
        public UeventSocket openUevents() {
            throw new HostException("FakeIscsi has no uevent socket; waits poll");
        }

        @Override
        public PeerCred peerCred(int fd) {
            throw new UnsupportedOperationException("FakeIscsi has no sockets");
        }

        /** The disk a /dev path stands for, following udev links as open(2) would. */
        private Disk disk(Path device) {
            return disks.get(SdDevices.opened(device, disks.keySet()));
        }
    }

    /** Standard INQUIRY data of a LIO FILEIO LU: connected direct-access disk, SPC-4, ALUA. */
    static byte[] standardInquiry() {
        byte[] d = new byte[36];
        d[0] = 0x00;
        d[2] = 0x06;
        d[3] = 0x12;
        d[4] = 31;
        d[5] = 0x30;
        byte[] text = "LIO-ORG FILEIO          4.0 ".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(text, 0, d, 8, text.length);
        return d;
    }

    /** VPD page 0x83 as LIO sends it over iSCSI (kernel-testbed.md §3). */
    static byte[] vpd83(Wwid wwid, Iqn target) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (wwid.type() == Wwid.Type.NAA) {
            body.writeBytes(designator(0x01, 0x03, HexFormat.of().parseHex(wwid.id())));
        }
        body.writeBytes(designator(0x02, 0x01, ("LIO-ORG FILEIO:" + wwid.id()).getBytes(StandardCharsets.US_ASCII)));
        body.writeBytes(designator(0x51, 0x94, new byte[] {0, 0, 0, 1}));
        body.writeBytes(designator(0x51, 0x95, new byte[] {0, 0, 0, 0}));
        body.writeBytes(designator(0x01, 0x06, new byte[] {0, 0, 0, 0}));
        body.writeBytes(designator(0x53, 0x98, (target + ",t,0x0001\0\0\0\0").getBytes(StandardCharsets.US_ASCII)));
        body.writeBytes(designator(0x53, 0xa8, (target + "\0\0\0\0").getBytes(StandardCharsets.US_ASCII)));
        ByteArrayOutputStream page = new ByteArrayOutputStream();
        page.write(0x00);
        page.write(0x83);
        page.write(body.size() >> 8);
        page.write(body.size() & 0xff);
        page.writeBytes(body.toByteArray());
        return page.toByteArray();
    }

    static byte[] designator(int protocolCodeSet, int pivAssocType, byte[] value) {
        ByteArrayOutputStream d = new ByteArrayOutputStream();
        d.write(protocolCodeSet);
        d.write(pivAssocType);
        d.write(0);
        d.write(value.length);
        d.writeBytes(value);
        return d.toByteArray();
    }
}
