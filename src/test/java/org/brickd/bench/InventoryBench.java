package org.brickd.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.brickd.daemon.Config;
import org.brickd.daemon.Methods;
import org.brickd.daemon.Wiring;
import org.brickd.host.Command;
import org.brickd.ledger.Attachment;
import org.brickd.ledger.Ledger;
import org.brickd.rpc.Authorizer;
import org.brickd.rpc.RpcServer;
import org.brickd.rpc.RpcServerOptions;
import org.brickd.scsi.ScsiDevices;
import org.brickd.scsi.ScsiDisk;
import org.brickd.testing.FakeIscsi;
import org.brickd.types.VolumeId;

/**
 * A benchmark, not a test: the wall time of the real launcher, {@code bin/brickctl inventory},
 * JVM start included, over a fake host tree with N SCSI devices (iSCSI sessions of up to 128
 * LUNs, one in eight recorded in a ledger), read two ways: through brickctl's diagnostic root
 * (brickctl's own JVM scans the tree, as offline mode does), and through a daemon's socket (the
 * daemon's methods over the same tree, served from this JVM, as a running brickd answers). Each
 * variant (CDS archive on or off, JVM options) runs once to warm the page cache, then RUNS
 * times; it prints median, min and max. Nothing is asserted on a time.
 *
 * <p>Usage: {@code InventoryBench BRICKCTL DEVICES RUNS [NAME=JAVA_OPTS]...}; run by bench/brickctl-inventory.
 */
public final class InventoryBench {

    private static final String PORTAL = "127.0.0.1:3260";
    private static final int LUNS_PER_TARGET = 128;

    private InventoryBench() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: InventoryBench BRICKCTL DEVICES RUNS [NAME=JAVA_OPTS]...");
            System.exit(2);
        }
        Path brickctl = Path.of(args[0]);
        int devices = Integer.parseInt(args[1]);
        int runs = Integer.parseInt(args[2]);
        Path work = Files.createTempDirectory("brickctl-inventory-bench");
        Path root = work.resolve("root");
        Path state = work.resolve("state");
        fakeHost(root, state, devices);

        Map<String, Map<String, String>> variants = new LinkedHashMap<>();
        variants.put("launcher as shipped, CDS archive", Map.of());
        variants.put("launcher as shipped, BRICKD_CDS=off", Map.of("BRICKD_CDS", "off"));
        for (String v : Arrays.asList(args).subList(3, args.length)) {
            int eq = v.indexOf('=');
            String opts = v.substring(eq + 1);
            variants.put(v.substring(0, eq) + ", CDS archive", Map.of("BRICKCTL_JAVA_OPTS", opts));
            variants.put(v.substring(0, eq) + ", BRICKD_CDS=off", Map.of("BRICKCTL_JAVA_OPTS", opts, "BRICKD_CDS", "off"));
        }
        List<String> offline = List.of(brickctl.toString(), "--config", work.resolve("absent.conf").toString(),
                "--state-dir", state.toString(), "--diagnostic-root", root.toString(), "inventory");
        Path socket = work.resolve("brickd.sock");
        List<String> daemon = List.of(brickctl.toString(), "--config", work.resolve("absent.conf").toString(),
                "--socket", socket.toString(), "inventory");
        System.out.printf("brickctl inventory, %d devices, %d runs each after 1 warm-up, %s, %d cpus, %s%n", devices,
                runs, Instant.now().toString().substring(0, 16) + "Z", Runtime.getRuntime().availableProcessors(),
                Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name")).findFirst()
                        .map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse("?"));
        System.out.printf("load average before: %s%n", loadAverage());
        System.out.printf("%-34s %-40s %-26s %s%n", "mode", "variant", "wall: median (min-max)",
                "cpu user+sys: median (min-max)");
        Wiring wiring = new Wiring(Config.defaults().with("state_dir", state.toString()), Wiring.Host.copy(root));
        try (RpcServer server = RpcServer.bind(socket, Methods.table(wiring, wiring.root),
                new Authorizer(Set.of(System.getProperty("user.name")), Set.of(), Set.of()),
                RpcServerOptions.defaults().withSocketGroup(null).withStopDeadline(Duration.ofSeconds(5)))) {
            measure("through the daemon's socket", daemon, variants, runs, devices);
        } finally {
            wiring.close();
        }
        measure("diagnostic root (brickctl scans)", offline, variants, runs, devices);
        System.out.printf("load average after: %s%n", loadAverage());
        if (System.getenv("BENCH_KEEP") != null) {
            System.out.printf("fake host kept (BENCH_KEEP): --config %s --state-dir %s --diagnostic-root %s%n",
                    work.resolve("absent.conf"), state, root);
        } else {
            removeTree(work);
        }
    }

    private static void measure(String mode, List<String> argv, Map<String, Map<String, String>> variants, int runs,
            int devices) throws Exception {
        for (Map.Entry<String, Map<String, String>> v : variants.entrySet()) {
            runOnce(argv, v.getValue(), devices);
            double[] wall = new double[runs];
            double[] cpu = new double[runs];
            for (int i = 0; i < runs; i++) {
                double before = childCpuSeconds();
                wall[i] = runOnce(argv, v.getValue(), devices);
                cpu[i] = childCpuSeconds() - before;
            }
            System.out.printf("%-34s %-40s %-26s %s%n", mode, v.getKey(), spread(wall), spread(cpu));
            if (v.getValue().containsKey("BRICKCTL_JAVA_OPTS")) {
                System.out.printf("    BRICKCTL_JAVA_OPTS=%s%n", v.getValue().get("BRICKCTL_JAVA_OPTS"));
            }
        }
    }

    /** The fake host (megabytes per hundred devices) goes when the figures are printed, unless BENCH_KEEP is set (to profile one run). */
    private static void removeTree(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static String spread(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return String.format("%.2f s (%.2f-%.2f)", s[s.length / 2], s[0], s[s.length - 1]);
    }

    private static String loadAverage() throws IOException {
        return Files.readString(Path.of("/proc/loadavg")).strip();
    }

    /**
     * User and system time of this JVM's reaped children (/proc/self/stat cutime + cstime):
     * less bent than wall time when other work shares the machine.
     */
    private static double childCpuSeconds() throws IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // fields after the command name start at field 3 (state); cutime and cstime are fields 16 and 17
        return (Long.parseLong(f[16 - 3]) + Long.parseLong(f[17 - 3])) / 100.0;
    }

    /** One run's wall time in seconds; the run must exit 0 and list every device. */
    private static double runOnce(List<String> argv, Map<String, String> env, int devices) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(argv);
        pb.environment().remove("BRICKCTL_JAVA_OPTS");
        pb.environment().putAll(env);
        long start = System.nanoTime();
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] err = p.getErrorStream().readAllBytes();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(argv + " did not finish within 60 s");
        }
        double secs = (System.nanoTime() - start) / 1e9;
        long rows = out.lines().filter(l -> l.matches("  \\d+:\\d+:\\d+:\\d+ .*")).count();
        if (p.exitValue() != 0 || rows != devices) {
            throw new IllegalStateException(argv + " " + env + " exited " + p.exitValue() + " with " + rows
                    + " device rows: " + new String(err, StandardCharsets.UTF_8));
        }
        return secs;
    }

    /** iSCSI sessions of up to 128 LUNs (logged in with automatic scanning), every eighth LUN in the ledger. */
    private static void fakeHost(Path root, Path state, int devices) throws IOException {
        List<FakeIscsi.Target> targets = new ArrayList<>();
        for (int t = 0, left = devices; left > 0; t++, left -= LUNS_PER_TARGET) {
            FakeIscsi.Target target = FakeIscsi.target("iqn.2003-01.org.linux-iscsi.bench:tgt" + t).portal(PORTAL);
            for (int lun = 1; lun <= Math.min(left, LUNS_PER_TARGET); lun++) {
                target.lun(lun, "naa.6001405" + String.format("%025x", t * 1000 + lun));
            }
            targets.add(target);
        }
        FakeIscsi host = new FakeIscsi(root, targets.toArray(FakeIscsi.Target[]::new));
        for (FakeIscsi.Target t : targets) {
            for (List<String> op : List.of(List.of("--op", "new"), List.of("--login"))) {
                List<String> a = new ArrayList<>(List.of("-m", "node", "-T", t.iqn().toString(), "-p", PORTAL));
                a.addAll(op);
                if (!host.run(Command.of("iscsiadm", Duration.ofSeconds(5)).args(a.toArray(String[]::new)).build()).ok()) {
                    throw new IllegalStateException("fake login to " + t.iqn() + " failed");
                }
            }
        }
        try (Ledger ledger = Ledger.open(state)) {
            int n = 0;
            for (ScsiDisk d : new ScsiDevices(host.sysfs()).all()) {
                if (n++ % 8 != 0) {
                    continue;
                }
                String vol = String.format("aaaaaaaa-1111-4000-8000-%012d", n);
                ledger.putAttachment(new Attachment(VolumeId.parse(vol), "", "iscsi", d.sysfsWwid().orElseThrow(),
                        "/dev/disk/by-id/scsi-" + d.sysfsWwid().orElseThrow().udev(), Optional.empty(),
                        List.of(d.hctl() + "=" + d.block().orElseThrow().name()), "{}", false, "attached",
                        Optional.empty(), Instant.now()));
            }
        }
    }
}
