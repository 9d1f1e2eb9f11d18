package org.brickd.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.brickd.errors.BrickException;
import org.brickd.host.DevMapper;
import org.brickd.host.JnaDevMapper;
import org.brickd.host.JnaMpathcmd;
import org.brickd.host.Mpathcmd;
import org.brickd.host.Uevents;
import org.brickd.iscsi.IscsiSession;
import org.brickd.iscsi.IscsiSessions;
import org.brickd.multipath.DmMap;
import org.brickd.multipath.DmMaps;
import org.brickd.multipath.ForcedRemoval;
import org.brickd.multipath.Multipath;
import org.brickd.multipath.MultipathdReplies;
import org.brickd.multipath.PathState;
import org.brickd.scsi.ScsiOps;
import org.brickd.types.BlockDevice;
import org.brickd.types.Hctl;
import org.brickd.types.Portal;
import org.brickd.types.Wwid;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * dm-multipath on the bed: one LUN through both portals (two sessions, manual scan), a map
 * built by multipathd under find_multipaths strict through libmpathcmd, flushed; removed
 * through libdevmapper with /dev/mapper consistent on return; and force-removed while every
 * path is dead, queue_if_no_path is on and the map is held open.
 */
@Tag("kernel")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MultipathKernelTest {

    private static final int LUN = 5;
    private static final Duration MAP_DEADLINE = Duration.ofSeconds(30);
    /** Far into the 64 MiB LUN, clear of what udev's blkid probe reads (and caches) at both ends. */
    private static final long PROBE_OFFSET = 40L << 20;

    private static Uevents uevents;
    private static Mpathcmd mpathcmd;
    private static DevMapper devMapper;
    private static Multipath mp;
    private static DmMaps maps;
    private static ScsiOps scsi;
    private static Wwid wwid;
    private static final List<Hctl> hctls = new ArrayList<>();
    private static final Set<BlockDevice> paths = new LinkedHashSet<>();

    @BeforeAll
    static void twoPathsToOneLun() {
        KernelBed.requireBed();
        uevents = Uevents.open(KernelBed.NATIVE, Duration.ofMillis(200));
        mpathcmd = new JnaMpathcmd();
        devMapper = new JnaDevMapper();
        mp = new Multipath(mpathcmd, KernelBed.COMMANDS, devMapper, KernelBed.SYSFS, KernelBed.DEV, uevents,
                new Multipath.Settings(Duration.ofSeconds(30), Duration.ofSeconds(15), Duration.ofSeconds(5)));
        maps = mp.maps();
        scsi = new ScsiOps(KernelBed.SYSFS, KernelBed.DEV, KernelBed.NATIVE, uevents);

        wwid = TargetBed.createLun("mpk", 64);
        TargetBed.map("mpk", LUN);
        KernelBed.ok("iscsiadm", "-m", "discovery", "-t", "sendtargets", "-p", TargetBed.PORTAL_1);
        KernelBed.ok("iscsiadm", "-m", "node", "-T", TargetBed.TARGET_IQN, "-o", "update",
                "-n", "node.session.scan", "-v", "manual");
        IscsiSessions sessions = new IscsiSessions(KernelBed.SYSFS);
        for (String p : List.of(TargetBed.PORTAL_1, TargetBed.PORTAL_2)) {
            KernelBed.ok("iscsiadm", "-m", "node", "-T", TargetBed.TARGET_IQN, "-p", p, "--login");
            IscsiSession s = sessions.all().stream().filter(x -> x.portal().equals(Portal.parse(p))).findFirst()
                    .orElseThrow(() -> new AssertionError("no session through " + p));
            Hctl h = new Hctl(s.host(), 0, 0, LUN);
            assertThat(scsi.scan(h)).as("LUN %d through %s", LUN, p).isTrue();
            hctls.add(h);
            paths.add(scsi.awaitDisk(h, Duration.ofSeconds(20)));
        }
        assertThat(paths).hasSize(2);
    }

    @AfterAll
    static void cleanUp() {
        List<String> problems = new ArrayList<>();
        try {
            TargetBed.portalUp("127.0.0.1");
            TargetBed.portalUp("127.0.0.2");
            attempt(problems, () -> maps.byWwid(wwid).ifPresent(m -> mp.forceRemove(m, Duration.ofSeconds(30))));
            for (BlockDevice p : paths) {
                attempt(problems, () -> mp.delPath(p));
            }
            attempt(problems, () -> mp.forgetWwid(wwid));
            for (Hctl h : hctls) {
                attempt(problems, () -> scsi.delete(h, Duration.ofSeconds(30)));
            }
            KernelBed.run("iscsiadm", "-m", "node", "-T", TargetBed.TARGET_IQN, "--logout");
            KernelBed.run("iscsiadm", "-m", "node", "-T", TargetBed.TARGET_IQN, "-o", "delete");
            KernelBed.run("iscsiadm", "-m", "discoverydb", "-t", "sendtargets", "-p", TargetBed.PORTAL_1, "-o", "delete");
            TargetBed.unmap(LUN);
        } finally {
            if (uevents != null) {
                uevents.close();
            }
        }
        assertThat(problems).as("cleanup steps").isEmpty();
        assertThat(TargetBed.leftovers()).as("sessions/devices/nodes/maps after the multipath tests").isEmpty();
    }

    private static void attempt(List<String> problems, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            problems.add(e.toString());
        }
    }

    private static DmMap assemble() {
        long t0 = System.nanoTime();
        mp.addWwid(wwid);
        for (BlockDevice p : paths) {
            mp.addPath(p);
        }
        DmMap m = mp.awaitMap(wwid, paths, MAP_DEADLINE);
        System.out.printf("multipath: wwid + 2 paths -> map %s in %d ms%n", m, ms(t0));
        return m;
    }

    @Test
    @Order(1)
    void bothPathsMakeOneMapThatMultipathdListsResizesAndFlushesOnceClosed() throws Exception {
        DmMap m = assemble();

        assertThat(maps.byWwid(wwid)).get().satisfies(found -> {
            assertThat(found.slaves()).containsExactlyInAnyOrderElementsOf(paths);
            assertThat(found.openCount()).hasValue(0);
        });
        assertThat(maps.mapOf(paths.iterator().next())).map(DmMap::device).contains(m.device());
        String showMaps = mpathcmd.command("show maps", Duration.ofSeconds(10));
        System.out.println("multipathd 'show maps' reply:\n" + showMaps);
        assertThat(showMaps).contains(m.name()).contains(m.device().name());
        String rawPaths = mpathcmd.command(MultipathdReplies.PATHS_COMMAND, Duration.ofSeconds(10));
        System.out.println("multipathd '" + MultipathdReplies.PATHS_COMMAND + "' reply:\n" + rawPaths);
        List<PathState> states = mp.pathStates();
        assertThat(states).filteredOn(s -> paths.contains(s.device())).hasSize(2)
                .allSatisfy(s -> assertThat(s.map()).contains(m.name()));
        // multipathd's map count (%N) is of active paths: a path just added counts once its
        // checker has run (every polling_interval), so this converges rather than holds at once
        uevents.await("multipathd counting both paths of " + m.name() + " active",
                () -> mp.mapStates().stream().anyMatch(s -> s.name().equals(m.name()) && s.paths() == 2),
                Duration.ofSeconds(20));
        assertThat(mp.mapStates()).filteredOn(s -> s.name().equals(m.name())).singleElement()
                .satisfies(s -> assertThat(s.paths()).isEqualTo(2));

        TargetBed.resize("mpk", 96);
        for (Hctl h : hctls) {
            scsi.rescan(h);
        }
        long tResize = System.nanoTime();
        assertThat(mp.resize(m)).isEqualTo(96L << 20);
        assertThat(KernelBed.NATIVE.sizeBytes(Path.of(m.device().devPath()))).isEqualTo(96L << 20);
        System.out.printf("multipath: resize of %s to 96 MiB %d ms%n", m, ms(tResize));

        try (FileChannel held = FileChannel.open(Path.of(m.device().devPath()), StandardOpenOption.READ)) {
            assertThatThrownBy(() -> mp.flush(m))
                    .isInstanceOf(BrickException.class)
                    .satisfies(e -> assertThat(((BrickException) e).code()).isEqualTo(BrickException.Code.BUSY))
                    .hasMessageContaining("open count 1");
            assertThat(maps.byWwid(wwid)).isPresent();
        }
        long t0 = System.nanoTime();
        mp.flush(m);
        System.out.printf("multipath: flush of %s %d ms%n", m, ms(t0));

        assertThat(maps.byWwid(wwid)).isEmpty();
        assertThat(Files.exists(Path.of("/dev/mapper/" + m.name()))).isFalse();
        assertThat(mp.pathStates()).filteredOn(s -> paths.contains(s.device())).hasSize(2)
                .allSatisfy(s -> assertThat(s.map()).isEmpty());
    }

    @Test
    @Order(2)
    void deviceMapperRemoveReturnsWithDevMapperAlreadyConsistent() {
        DmMap m = assemble();
        assertThat(Files.exists(Path.of("/dev/mapper/" + m.name()))).isTrue();

        devMapper.message(m.name(), "fail_if_no_path");
        assertThat(KernelBed.ok("dmsetup", "table", m.name())).doesNotContain("queue_if_no_path");
        long t0 = System.nanoTime();
        DevMapper.Removal r = devMapper.remove(m.name(), false, Duration.ofSeconds(15));
        long removeMs = ms(t0);

        assertThat(r).isEqualTo(DevMapper.Removal.REMOVED);
        // the udev cookie wait: udev has dropped the link by the time remove returns
        assertThat(Files.exists(Path.of("/dev/mapper/" + m.name()), java.nio.file.LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(devMapper.info(m.name())).isEmpty();
        assertThat(maps.byWwid(wwid)).isEmpty();
        System.out.printf("devmapper: remove of %s with udev sync %d ms%n", m, removeMs);
    }

    @Test
    @Order(3)
    void forceRemoveOfAnOpenMapWithNoPathLeftFailsQueuedIoAndGoesOnLastClose() throws Exception {
        DmMap m = assemble();
        assertThat(KernelBed.ok("dmsetup", "table", m.name())).contains("queue_if_no_path");
        FileChannel held = FileChannel.open(Path.of(m.device().devPath()), StandardOpenOption.READ);
        CompletableFuture<String> reader;
        long tForce;
        ForcedRemoval r;
        try {
            long tDown = System.nanoTime();
            TargetBed.portalDown("127.0.0.1");
            TargetBed.portalDown("127.0.0.2");
            // both paths failed in the kernel map (a dm "change" uevent, DM_ACTION=PATH_FAILED, each):
            // from now on I/O queues in dm instead of waiting on a blocked sd
            uevents.await("both paths of " + m + " failed in dm", () -> mp.pathStates().stream()
                    .filter(s -> paths.contains(s.device()))
                    .allMatch(s -> s.dm() == PathState.DmState.FAILED), Duration.ofSeconds(60));
            System.out.printf("multipath: both paths failed in dm %d ms after the portals went down%n", ms(tDown));
            long tRead = System.nanoTime();
            reader = CompletableFuture.supplyAsync(() -> {
                try {
                    int n = held.read(ByteBuffer.allocate(4096), PROBE_OFFSET);
                    return "read " + n + " bytes after " + ms(tRead) + " ms";
                } catch (IOException e) {
                    return "IOException after " + ms(tRead) + " ms: " + e.getMessage();
                }
            });
            // the read queues in dm (queue_if_no_path) instead of failing
            Thread.sleep(3000);
            assertThat(reader).as("a read with every path dead and queue_if_no_path on").isNotDone();

            tForce = System.nanoTime();
            r = mp.forceRemove(m, Duration.ofSeconds(30));
            long forceMs = ms(tForce);
            String readOutcome = reader.get(60, TimeUnit.SECONDS);
            System.out.printf("multipath: forceRemove of %s -> %s (open count %d, queueing stopped %s) in %d ms;"
                    + " errors %s; queued read: %s%n", m, r.outcome(), r.openCount(), r.queueingStopped(), forceMs,
                    r.errors(), readOutcome);

            assertThat(readOutcome).startsWith("IOException");
            assertThat(r.queueingStopped()).isTrue();
            assertThat(r.outcome()).isEqualTo(ForcedRemoval.Outcome.DEFERRED);
            assertThat(r.openCount()).isEqualTo(1);
            assertThat(devMapper.info(m.name())).get().satisfies(i -> assertThat(i.deferredRemove()).isTrue());
        } finally {
            held.close();
        }
        long tClose = System.nanoTime();
        uevents.await("deferred removal of " + m + " after its last close",
                () -> devMapper.info(m.name()).isEmpty() && maps.byWwid(wwid).isEmpty()
                        && !Files.exists(Path.of("/dev/mapper/" + m.name()), java.nio.file.LinkOption.NOFOLLOW_LINKS),
                Duration.ofSeconds(30));
        System.out.printf("multipath: deferred map %s gone %d ms after the last close (%d ms after forceRemove began)%n",
                m, ms(tClose), ms(tForce));
        assertThat(mpathcmd.command("show maps", Duration.ofSeconds(10))).doesNotContain(m.name());
    }

    private static long ms(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }
}
