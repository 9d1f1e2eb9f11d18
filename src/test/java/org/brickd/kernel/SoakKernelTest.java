package org.brickd.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.brickd.rpc.RpcClient;
import org.brickd.types.Wwid;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer.OrderAnnotation;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Issue 11's soak and memory figures, through the daemon's socket only. LOOPS concurrent
 * loops attach and detach, each its own LIO LUN (every fourth over both portals, through
 * dm-multipath), every attach checked by reading the volume's own marker; then the leak
 * check: no session, device, map, node record or ledger row left, and the daemon's file
 * descriptors, threads and heap after a full GC back where they were after a warm-up round.
 * Then the daemon's RSS idle and with ATTACHMENTS volumes attached at once.
 *
 * <p>The default is the short version CI runs (16 loops x 3 rounds, 64 attachments);
 * bench/soak runs the long one through these environment variables: BRICKD_SOAK_LOOPS
 * (1-64), BRICKD_SOAK_ROUNDS, BRICKD_SOAK_MINUTES (loops run until then instead of a
 * number of rounds), BRICKD_SOAK_ATTACHMENTS (1-256).
 */
@Tag("kernel")
@TestMethodOrder(OrderAnnotation.class)
class SoakKernelTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int LOOPS = env("BRICKD_SOAK_LOOPS", 16, 1, 64);
    private static final int ROUNDS = env("BRICKD_SOAK_ROUNDS", 3, 1, 100_000);
    private static final int MINUTES = env("BRICKD_SOAK_MINUTES", 0, 0, 600);
    private static final int ATTACHMENTS = env("BRICKD_SOAK_ATTACHMENTS", 64, 1, 256);
    /** Soak LUNs 100..163, the attachment LUNs 200..455 (iscsi_tcp scans LUNs below 512). */
    private static final int SOAK_LUN = 100;
    private static final int MANY_LUN = 200;
    /** As many callers as the daemon has workers at most: more would only queue. */
    private static final int CALLERS = 16;

    private static BrickdProcess brickd;
    private static Stats idle;

    @BeforeAll
    static void daemon() throws Exception {
        KernelBed.requireBed();
        // udev makes many by-id links at once here: under TCG that takes longer than the default 10 s
        brickd = new BrickdProcess(Files.createTempDirectory("brickd-soak"), "stale_scan_interval = off",
                "link_timeout = 120s", "device_timeout = 120s").start();
        idle = Stats.of(brickd);
    }

    @AfterAll
    static void stop() throws Exception {
        if (brickd != null) {
            brickd.close();
            // the whole daemon log next to the other bed logs (target/kernel-tier on the host)
            Files.copy(brickd.log, Path.of(System.getenv("TB_OUT"), "soak-brickd.log"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Test
    @Order(1)
    void concurrentAttachDetachLoopsLeakNothing() throws Exception {
        List<Wwid> wwids = luns("soak", SOAK_LUN, LOOPS);
        ExecutorService pool = Executors.newFixedThreadPool(LOOPS);
        try {
            List<Long> attachMs = Collections.synchronizedList(new ArrayList<>());
            List<Long> detachMs = Collections.synchronizedList(new ArrayList<>());
            List<String> failures = Collections.synchronizedList(new ArrayList<>());
            // warm-up: every loop once, so the baseline has the worker threads and classes this load needs
            runLoops(pool, wwids, 1, 0, new ArrayList<>(), new ArrayList<>(), failures);
            assertThat(failures).as("warm-up round").isEmpty();
            Stats before = Stats.of(brickd);

            long t0 = System.nanoTime();
            long deadline = MINUTES > 0 ? t0 + TimeUnit.MINUTES.toNanos(MINUTES) : 0;
            runLoops(pool, wwids, MINUTES > 0 ? Integer.MAX_VALUE : ROUNDS, deadline, attachMs, detachMs, failures);
            long wallMs = (System.nanoTime() - t0) / 1_000_000;
            // the daemon's pools let idle threads go after 60 s: a thread that never goes is a leak
            long settleMs = threadsSettle(brickd, idle.get("threads") + 2, Duration.ofSeconds(150));
            Stats after = Stats.of(brickd);
            String left = TargetBed.leftovers();
            JsonNode ledger = brickd.call("list_attachments", "{}").get("attachments");

            System.out.printf("%nsoak: %d loops (%d over dm-multipath), %s, %d attaches and %d detaches in %.1f s, %d failed%n",
                    LOOPS, (LOOPS + 1) / 4, MINUTES > 0 ? MINUTES + " min" : ROUNDS + " rounds", attachMs.size(),
                    detachMs.size(), wallMs / 1000.0, failures.size());
            System.out.println("| call | n | p50 | p99 | max |\n|---|---|---|---|---|");
            System.out.println(latencyRow("connect_volume", attachMs));
            System.out.println(latencyRow("disconnect_volume", detachMs));
            System.out.printf("%nthreads back to the idle count %d s after the soak%n", settleMs / 1000);
            System.out.println("\n| daemon | idle after start | after warm-up | after soak, pools idle |\n|---|---|---|---|");
            for (String k : before.values.keySet()) {
                System.out.printf("| %s | %s | %s | %s |%n", k, idle.values.get(k), before.values.get(k),
                        after.values.get(k));
            }
            System.out.printf("| host after soak | sessions, LIO devices, node records, maps: %s; ledger rows: %d |%n",
                    left.isEmpty() ? "none" : left.replace('\n', ';'), ledger.size());

            assertThat(failures).as("failed calls or checks").isEmpty();
            assertThat(left).as("sessions/devices/nodes/maps after the soak").isEmpty();
            assertThat(ledger).as("ledger rows after the soak").isEmpty();
            assertThat(after.get("fds")).as("daemon file descriptors (after warm-up %d)", before.get("fds"))
                    .isLessThanOrEqualTo(before.get("fds") + 2);
            assertThat(after.get("threads")).as("daemon threads once its pools are idle (idle after start %d)",
                    idle.get("threads")).isLessThanOrEqualTo(idle.get("threads") + 2);
            // a leak of even 1 KiB per call over the default 96 calls hides in GC noise; the long
            // run (bench/soak) is where heap growth shows; this bound catches a gross leak
            assertThat(after.get("heap_kib")).as("daemon heap after a full GC, KiB (after warm-up %d)",
                    before.get("heap_kib")).isLessThanOrEqualTo(before.get("heap_kib") + 16 * 1024);
        } finally {
            pool.shutdownNow();
            TargetBed.unmapLuns(SOAK_LUN, LOOPS);
        }
    }

    @Test
    @Order(2)
    void rssIdleAndWithManyAttachments() throws Exception {
        List<Wwid> wwids = luns("many", MANY_LUN, ATTACHMENTS);
        ExecutorService pool = Executors.newFixedThreadPool(CALLERS);
        List<JsonNode> attached = Collections.synchronizedList(new ArrayList<>());
        try {
            long t0 = System.nanoTime();
            List<Future<JsonNode>> fs = new ArrayList<>();
            for (int i = 0; i < ATTACHMENTS; i++) {
                int lun = MANY_LUN + i;
                fs.add(pool.submit(() -> {
                    JsonNode a = brickd.call("connect_volume", connectParams(ci(lun), false));
                    attached.add(JSON.createObjectNode().put("lun", lun).set("device_info", a));
                    return a;
                }));
            }
            List<String> wrong = new ArrayList<>();
            for (int i = 0; i < ATTACHMENTS; i++) {
                String got = fs.get(i).get(10, TimeUnit.MINUTES).get("scsi_wwn").asText();
                if (!got.equals(wwids.get(i).udev())) {
                    wrong.add("LUN " + (MANY_LUN + i) + ": " + got);
                }
            }
            long attachMs = (System.nanoTime() - t0) / 1_000_000;
            Stats with = Stats.of(brickd);
            int ledgerRows = brickd.call("list_attachments", "{}").get("attachments").size();
            System.out.printf("%n%d volumes attached by %d callers at once in %.1f s%n", ATTACHMENTS, CALLERS,
                    attachMs / 1000.0);
            System.out.println("| daemon | idle after start | with " + ATTACHMENTS + " attachments |\n|---|---|---|");
            for (String k : with.values.keySet()) {
                System.out.printf("| %s | %s | %s |%n", k, idle.values.get(k), with.values.get(k));
            }
            assertThat(wrong).as("attachments with another volume's WWID").isEmpty();
            assertThat(ledgerRows).as("ledger rows").isEqualTo(ATTACHMENTS);
        } finally {
            try {
                long t1 = System.nanoTime();
                List<Future<JsonNode>> ds = new ArrayList<>();
                for (JsonNode a : List.copyOf(attached)) {
                    ds.add(pool.submit(() -> brickd.call("disconnect_volume", "{\"connection_info\": "
                            + ci(a.get("lun").asInt()) + ", \"device_info\": " + a.get("device_info")
                            + ", \"force\": false, \"ignore_errors\": false}")));
                }
                for (Future<JsonNode> d : ds) {
                    d.get(10, TimeUnit.MINUTES);
                }
                System.out.printf("%d detached by %d callers at once in %.1f s%n", ds.size(), CALLERS,
                        (System.nanoTime() - t1) / 1e9);
            } finally {
                pool.shutdownNow();
                TargetBed.unmapLuns(MANY_LUN, ATTACHMENTS);
            }
        }
        assertThat(TargetBed.leftovers()).as("sessions/devices/nodes/maps after detaching them all").isEmpty();
    }

    /** {@code loops} loops of {@code rounds} rounds each (or until {@code deadline}, if not 0). */
    private static void runLoops(ExecutorService pool, List<Wwid> wwids, int rounds, long deadline, List<Long> attachMs,
            List<Long> detachMs, List<String> failures) throws Exception {
        List<Future<?>> loops = new ArrayList<>();
        for (int i = 0; i < wwids.size(); i++) {
            int loop = i;
            loops.add(pool.submit(() -> {
                for (int r = 0; r < rounds && (deadline == 0 || System.nanoTime() < deadline); r++) {
                    String failure = round(loop, wwids.get(loop), attachMs, detachMs);
                    if (failure != null) {
                        failures.add("loop " + loop + " round " + r + ": " + failure);
                        return; // the others go on; the leak check still runs
                    }
                }
            }));
        }
        for (Future<?> f : loops) {
            f.get(MINUTES + 30L, TimeUnit.MINUTES); // round() answers failures, it does not throw them
        }
    }

    /** One attach, its checks and one detach on a connection of its own; answers what failed, or null. */
    private static String round(int loop, Wwid wwid, List<Long> attachMs, List<Long> detachMs) {
        boolean multipath = loop % 4 == 3;
        int lun = SOAK_LUN + loop;
        String ci = multipath ? ciMultipath(lun) : ci(lun);
        try (RpcClient c = new RpcClient(brickd.socket, Duration.ofMinutes(5))) {
            long t = System.nanoTime();
            JsonNode a = c.call("connect_volume", JSON.readTree(connectParams(ci, multipath)));
            attachMs.add((System.nanoTime() - t) / 1_000_000);
            String problem = null;
            if (!a.path("scsi_wwn").asText().equals(wwid.udev())) {
                problem = "attached " + a + ", not WWID " + wwid.udev();
            } else {
                problem = readsItsOwnMarker(Path.of(a.get("path").asText()), marker(loop));
            }
            t = System.nanoTime();
            JsonNode d = c.call("disconnect_volume", JSON.readTree("{\"connection_info\": " + ci + ", \"device_info\": " + a
                    + ", \"force\": false, \"ignore_errors\": false}"));
            detachMs.add((System.nanoTime() - t) / 1_000_000);
            if (problem == null && !d.path("clean").asBoolean()) {
                problem = "detach not clean: " + d;
            }
            return problem;
        } catch (IOException | RuntimeException e) {
            return e.toString();
        }
    }

    /**
     * Null if the attached path reads {@code marker} now; else what it is: a link that is gone
     * (and whether udev brings it back within 30 s), or another volume's data.
     */
    private static String readsItsOwnMarker(Path path, String marker) throws IOException {
        long t0 = System.nanoTime();
        if (Files.exists(path)) {
            String got = head(path);
            return got.equals(marker) ? null : path + " reads '" + got + "', not " + marker;
        }
        String was = Files.isSymbolicLink(path) ? "dangling link to " + Files.readSymbolicLink(path) : "no link";
        while (!Files.exists(path) && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(30)) {
            KernelBed.run("udevadm", "settle", "--timeout=5"); // bounded wait on udev's queue
        }
        return "%s: %s right after connect_volume answered; %s".formatted(path, was, Files.exists(path)
                ? "back after %d ms (-> %s)".formatted((System.nanoTime() - t0) / 1_000_000, path.toRealPath())
                : "still missing after 30 s");
    }
    /** Polls the daemon's thread count until it is at most {@code target}; answers the ms it took. */
    private static long threadsSettle(BrickdProcess d, long target, Duration limit) throws Exception {
        long t0 = System.nanoTime();
        while (threads(d) > target && System.nanoTime() - t0 < limit.toNanos()) {
            TimeUnit.SECONDS.sleep(1); // bounded poll: nothing signals a pool thread's idle exit
        }
        return (System.nanoTime() - t0) / 1_000_000;
    }

    private static long threads(BrickdProcess d) throws IOException {
        return Files.readAllLines(Path.of("/proc", Long.toString(d.pid()), "status")).stream()
                .filter(l -> l.startsWith("Threads:")).mapToLong(l -> Long.parseLong(l.substring(8).strip()))
                .findFirst().orElseThrow();
    }

    /** {@code n} new LUNs from {@code first}, each marked with its index; answers their WWIDs. */
    private static List<Wwid> luns(String prefix, int first, int n) throws IOException {
        List<String> serials = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            serials.add(UUID.randomUUID().toString());
        }
        List<Wwid> wwids = TargetBed.luns(prefix, first, 8, serials).lines().map(String::strip)
                .filter(l -> !l.isEmpty()).map(l -> Wwid.parse("bed", l)).toList();
        assertThat(wwids).as("WWIDs of the new LUNs").hasSize(n);
        for (int i = 0; i < n; i++) {
            try (FileChannel f = FileChannel.open(Path.of("/tmp/bed/" + prefix + i + ".img"), StandardOpenOption.WRITE)) {
                f.write(ByteBuffer.wrap(marker(i).getBytes(StandardCharsets.US_ASCII)), 0);
                f.force(true);
            }
        }
        return wwids;
    }

    private static String marker(int i) {
        return "SOAK%04d".formatted(i);
    }

    /** The first 8 bytes of a block device, read with O_DIRECT (what the LUN answers now, not the page cache). */
    private static String head(Path dev) throws IOException {
        try (FileChannel f = FileChannel.open(dev, StandardOpenOption.READ, ExtendedOpenOption.DIRECT)) {
            ByteBuffer b = ByteBuffer.allocateDirect(2 * 4096).alignedSlice(4096).limit(4096);
            f.read(b, 0);
            byte[] head = new byte[8];
            b.flip().get(head);
            return new String(head, StandardCharsets.US_ASCII);
        }
    }

    private static String connectParams(String ci, boolean multipath) {
        return "{\"connection_info\": " + ci + ", \"instance_uuid\": \"" + UUID.randomUUID() + "\", \"use_multipath\": "
                + multipath + "}";
    }

    private static String ci(int lun) {
        String vol = volumeId(lun);
        return """
                {"driver_volume_type": "iscsi", "serial": "%s",
                 "data": {"target_portal": "%s", "target_iqn": "%s", "target_lun": %d, "target_discovered": false,
                          "volume_id": "%s", "access_mode": "rw"}}
                """.formatted(vol, TargetBed.PORTAL_1, TargetBed.TARGET_IQN, lun, vol);
    }

    private static String ciMultipath(int lun) {
        return TargetBed.multipathConnectionInfo(volumeId(lun), lun);
    }

    /** One volume per LUN, the same across rounds (a volume attached, detached, attached again). */
    private static String volumeId(int lun) {
        return "50a50a50-0000-4000-8000-%012d".formatted(lun);
    }

    private static String latencyRow(String call, List<Long> ms) {
        List<Long> s = ms.stream().sorted().toList();
        if (s.isEmpty()) {
            return "| " + call + " | 0 | - | - | - |";
        }
        return "| %s | %d | %d ms | %d ms | %d ms |".formatted(call, s.size(), s.get(s.size() / 2),
                s.get(Math.min(s.size() - 1, (int) Math.ceil(s.size() * 0.99) - 1)), s.get(s.size() - 1));
    }

    private static int env(String name, int dflt, int min, int max) {
        String v = System.getenv(name);
        if (v == null || v.isBlank()) {
            return dflt;
        }
        int n = Integer.parseInt(v.strip());
        if (n < min || n > max) {
            throw new IllegalArgumentException(name + "=" + v + ": want " + min + ".." + max);
        }
        return n;
    }

    /** What the daemon holds, from /proc and from jcmd after a full GC. */
    private record Stats(Map<String, Long> values) {

        private static final Pattern USED = Pattern.compile("generation\\s+total \\d+K, used (\\d+)K");

        static Stats of(BrickdProcess d) throws IOException {
            Map<String, Long> v = new LinkedHashMap<>();
            String pid = Long.toString(d.pid());
            // heap first: the GC it forces would otherwise move RSS after it was read
            KernelBed.ok("jcmd", pid, "GC.run");
            Matcher m = USED.matcher(KernelBed.ok("jcmd", pid, "GC.heap_info"));
            long heap = 0;
            while (m.find()) {
                heap += Long.parseLong(m.group(1));
            }
            assertThat(heap).as("heap figures from jcmd GC.heap_info").isPositive();
            v.put("heap_kib", heap);
            try (Stream<Path> fds = Files.list(Path.of("/proc", pid, "fd"))) {
                v.put("fds", fds.count());
            }
            for (String line : Files.readAllLines(Path.of("/proc", pid, "status"))) {
                if (line.startsWith("Threads:")) {
                    v.put("threads", Long.parseLong(line.substring(8).strip()));
                } else if (line.startsWith("VmRSS:")) {
                    v.put("rss_kib", Long.parseLong(line.substring(6).replace("kB", "").strip()));
                }
            }
            return new Stats(v);
        }

        long get(String k) {
            return values.get(k);
        }
    }
}
