package org.brickd.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
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
import org.brickd.errors.HostException;
import org.brickd.host.DevFs;
import org.brickd.host.Native;
import org.brickd.host.Sysfs;
import org.brickd.types.Hctl;
import org.brickd.types.Wwid;
import org.brickd.types.Wwpn;

/**
 * A fake kernel with Fibre Channel HBAs on one fake root, laid out as real FC sysfs is
 * (kernel-testbed.md §7, recorded on the FCoE bed):
 * <pre>
 * devices/pci0000:00/0000:00:0H.0/hostH/fc_host/hostH/{port_name,node_name,port_state}
 * devices/pci0000:00/0000:00:0H.0/hostH/scsi_host/hostH/scan
 * devices/pci0000:00/0000:00:0H.0/hostH/rport-H:0-R/fc_remote_ports/rport-H:0-R/{port_name,roles,scsi_target_id,port_state}
 * devices/pci0000:00/0000:00:0H.0/hostH/rport-H:0-R/targetH:0:T/H:0:T:L/...
 * class/fc_host/hostH, class/scsi_host/hostH, class/fc_remote_ports/rport-H:0-R -> the above
 * </pre>
 * with scsi_mod's scan parameter "manual": nothing appears until "C T L" is written to a
 * host's scan file; then the LUN appears if the rport with that channel and SCSI target id is
 * an Online FCP target presenting it. A wildcard ("- - -", "0 0 -") scans every LUN of every
 * matching target, as the kernel does, so a test sees when one was written. "1" to a
 * device's delete removes it, also while it is blocked (as the kernel does; setting a
 * blocked device offline fails with EINVAL).
 */
public final class FakeFc {

    public static final long DEFAULT_BYTES = 64L << 20;
    private static final Pattern SCAN = Pattern.compile(".*/host(\\d+)/scsi_host/host\\d+/scan");
    private static final Pattern DEVICE_FILE = Pattern.compile(".*/(\\d+:\\d+:\\d+:\\d+)/(delete|rescan|state)");

    /** A target port (an array's FC port) with the LUNs it presents to this host. */
    public static final class Target {
        final Wwpn wwpn;
        final Map<Long, Lu> luns = new TreeMap<>();

        Target(Wwpn wwpn) {
            this.wwpn = wwpn;
        }

        public Target lun(long kernelLun, String wwid) {
            luns.put(kernelLun, new Lu(Wwid.parse(wwid), DEFAULT_BYTES));
            return this;
        }

        public void resize(long kernelLun, long bytes) {
            luns.computeIfPresent(kernelLun, (k, lu) -> new Lu(lu.wwid(), bytes));
        }
    }

    record Lu(Wwid wwid, long bytes) {}

    record Rport(int host, int number, Target target, int scsiTargetId) {
        String name() {
            return "rport-" + host + ":0-" + number;
        }
    }

    record Disk(String name, Hctl hctl, Rport rport, long capacity) {}

    private final FakeHost host;
    private final Map<Integer, String> hbaDirs = new TreeMap<>();
    private final List<Rport> rports = new ArrayList<>();
    private final Map<String, Disk> disks = new TreeMap<>();
    private final Set<String> failingFlushes = new HashSet<>();
    private final List<String> flushed = new ArrayList<>();

    public FakeFc(Path root) {
        this.host = new FakeHost(root, this::onWrite);
        host.file("sys/module/scsi_mod/parameters/scan", "manual\n");
    }

    public static Target target(String wwpn) {
        return new Target(Wwpn.parse(wwpn));
    }

    /** An HBA port: SCSI host {@code h} with WWPN {@code wwpn}, Online. */
    public FakeFc hba(int h, String wwpn) {
        String dir = "sys/devices/pci0000:00/0000:00:0" + h + ".0/host" + h;
        hbaDirs.put(h, dir);
        Wwpn w = Wwpn.parse(wwpn);
        host.file(dir + "/fc_host/host" + h + "/port_name", w.with0x() + "\n");
        host.file(dir + "/fc_host/host" + h + "/node_name", "0x1" + w.hex().substring(1) + "\n");
        host.file(dir + "/fc_host/host" + h + "/port_state", "Online\n");
        host.link("sys/class/fc_host/host" + h, "../../" + dir.substring(4) + "/fc_host/host" + h);
        host.file(dir + "/scsi_host/host" + h + "/scan", "");
        host.link("sys/class/scsi_host/host" + h, "../../" + dir.substring(4) + "/scsi_host/host" + h);
        return this;
    }

    /** HBA {@code h} sees {@code t} as remote port R (next free), an Online FCP target with SCSI target id {@code tid}. */
    public FakeFc sees(int h, Target t, int tid) {
        return rport(h, t, tid, "FCP Target", "Online");
    }

    /** A remote port of HBA {@code h} with the given roles, target id and state. */
    public synchronized FakeFc rport(int h, Target t, int tid, String roles, String state) {
        int n = (int) rports.stream().filter(r -> r.host() == h).count();
        Rport r = new Rport(h, n, t, tid);
        rports.add(r);
        String dir = rportDir(r) + "/fc_remote_ports/" + r.name();
        host.file(dir + "/port_name", t.wwpn.with0x() + "\n");
        host.file(dir + "/roles", roles + "\n");
        host.file(dir + "/scsi_target_id", tid + "\n");
        host.file(dir + "/port_state", state + "\n");
        host.link("sys/class/fc_remote_ports/" + r.name(), "../../" + dir.substring(4));
        return this;
    }

    private String rportDir(Rport r) {
        return hbaDirs.get(r.host()) + "/" + r.name();
    }

    /** The HBA's link went down: its port Linkdown, its rports Blocked, their devices blocked (I/O queues). */
    public synchronized void linkDown(int h) {
        host.file(hbaDirs.get(h).substring(0) + "/fc_host/host" + h + "/port_state", "Linkdown\n");
        for (Rport r : rports) {
            if (r.host() == h) {
                host.file(rportDir(r) + "/fc_remote_ports/" + r.name() + "/port_state", "Blocked\n");
            }
        }
        for (Disk d : disks.values()) {
            if (d.hctl().host() == h) {
                host.state(d.hctl().toString(), "blocked");
                failingFlushes.add(d.name());
            }
        }
    }

    public Sysfs sysfs() {
        return host.sysfs();
    }

    public DevFs devfs() {
        return host.devfs();
    }

    public FakeHost host() {
        return host;
    }

    public Native nat() {
        return new FakeNative();
    }

    /** Every control-file write, as "/sys/relative/path=value". */
    public List<String> writes() {
        return host.writes();
    }

    /** The values written to scsi_host scan files, as "hostH: C T L". */
    public List<String> scanWrites() {
        List<String> out = new ArrayList<>();
        for (String w : host.writes()) {
            Matcher m = Pattern.compile("/sys/class/scsi_host/host(\\d+)/scan=(.*)", Pattern.DOTALL).matcher(w);
            if (m.matches()) {
                out.add("host" + m.group(1) + ": " + m.group(2));
            }
        }
        return out;
    }

    public synchronized void failFlush(String disk) {
        failingFlushes.add(disk);
    }

    public synchronized List<String> flushed() {
        return List.copyOf(flushed);
    }

    public List<String> ls(String relative) {
        return host.ls(relative);
    }

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
        switch (dev.group(2)) {
            case "delete" -> {
                removeDevice(h);
                return true;
            }
            case "rescan" -> {
                Disk d = diskAt(h);
                if (d != null) {
                    long now = Optional.ofNullable(d.rport().target().luns.get(h.lun())).map(Lu::bytes).orElse(d.capacity());
                    disks.put(d.name(), new Disk(d.name(), d.hctl(), d.rport(), now));
                }
                return true;
            }
            default -> {
                String state = Files.readString(host.root().resolve("sys/class/scsi_device/" + h + "/device/state")).strip();
                if (state.equals("blocked")) {
                    throw new IOException("Invalid argument"); // the kernel refuses state changes of a blocked device
                }
                return false;
            }
        }
    }

    private void scan(int h, String line) {
        String[] ctl = line.split(" ");
        if (ctl.length != 3) {
            return;
        }
        for (Rport r : rports) {
            String state = host.sysfs().read("class/fc_remote_ports/" + r.name() + "/port_state").orElse("");
            if (r.host() != h || r.scsiTargetId() < 0 || !state.equals("Online")
                    || !(ctl[0].equals("-") || ctl[0].equals("0"))
                    || !(ctl[1].equals("-") || ctl[1].equals(Integer.toString(r.scsiTargetId())))) {
                continue;
            }
            if (ctl[2].equals("-")) {
                for (long lun : r.target().luns.keySet()) {
                    scanLun(r, lun);
                }
            } else {
                scanLun(r, Long.parseLong(ctl[2]));
            }
        }
    }

    private void scanLun(Rport r, long lun) {
        Hctl h = new Hctl(r.host(), 0, r.scsiTargetId(), lun);
        Lu lu = r.target().luns.get(lun);
        if (lu == null || host.exists("sys/class/scsi_device/" + h)) {
            return;
        }
        String name = freeDiskName();
        host.scsiDevice(rportDir(r), h, name, "LIO-ORG", "FILEIO", lu.wwid().kernel());
        host.link("dev/disk/by-id/scsi-" + lu.wwid().udev(), "../../" + name);
        host.udevProcessed(name, "8:" + 16 * (name.charAt(2) - 'a'), lu.wwid().udev());
        disks.put(name, new Disk(name, h, r, lu.bytes()));
    }

    private void removeDevice(Hctl h) {
        Disk d = diskAt(h);
        SdDevices.remove(host, h, d != null ? d.name() : null);
        if (d != null) {
            disks.remove(d.name());
            host.remove("run/udev/data/b8:" + 16 * (d.name().charAt(2) - 'a'));
        }
    }

    private Disk diskAt(Hctl h) {
        return disks.values().stream().filter(d -> d.hctl().equals(h)).findFirst().orElse(null);
    }

    private String freeDiskName() {
        return SdDevices.freeName(disks.keySet());
    }

    /** VPD page 0x83 as LIO sends it over FC: NAA, T10 vendor id, SCSI name string of the target port. */
    static byte[] vpd83(Wwid wwid, Wwpn port) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(FakeIscsi.designator(0x01, 0x03, HexFormat.of().parseHex(wwid.id())));
        body.writeBytes(FakeIscsi.designator(0x02, 0x01, ("LIO-ORG FILEIO:" + wwid.id()).getBytes(StandardCharsets.US_ASCII)));
        body.writeBytes(FakeIscsi.designator(0x53, 0x98,
                (port.withColons() + ",t,0x0001\0\0\0\0").getBytes(StandardCharsets.US_ASCII)));
        byte[] b = body.toByteArray();
        byte[] page = new byte[4 + b.length];
        page[1] = (byte) 0x83;
        page[2] = (byte) (b.length >> 8);
        page[3] = (byte) b.length;
        System.arraycopy(b, 0, page, 4, b.length);
        return page;
    }

    private final class FakeNative implements Native {

        @Override
        public byte[] inquiry(Path device, int vpdPage, Duration timeout) {
            synchronized (FakeFc.this) {
                Disk d = disk(device);
                Lu lu = d.rport().target().luns.get(d.hctl().lun());
                if (lu == null) {
                    throw new HostException("SG_IO INQUIRY on " + device + ": Illegal Request / Logical unit not supported");
                }
                return vpdPage < 0 ? FakeIscsi.standardInquiry() : vpd83(lu.wwid(), d.rport().target().wwpn);
            }
        }

        @Override
        public long sizeBytes(Path device) {
            synchronized (FakeFc.this) {
                return disk(device).capacity();
            }
        }

        @Override
        public void flushBuffers(Path device) {
            synchronized (FakeFc.this) {
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
            throw new HostException("FakeFc has no uevent socket; waits poll");
        }

        @Override
        public PeerCred peerCred(int fd) {
            throw new UnsupportedOperationException("FakeFc has no sockets");
        }

        private Disk disk(Path device) {
            return disks.get(SdDevices.opened(device, disks.keySet()));
        }
    }
}
