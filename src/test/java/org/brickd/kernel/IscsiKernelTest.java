package org.brickd.kernel;

import org.brickd.connector.Identity;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.brickd.connector.Attached;
import org.brickd.connector.Detached;
import org.brickd.connector.IscsiConnection;
import org.brickd.errors.BrickException;
import org.brickd.errors.WwidMismatchException;
import org.brickd.host.Uevents;
import org.brickd.iscsi.IscsiConnector;
import org.brickd.rpc.ConnectionInfoJson;
import org.brickd.types.BlockDevice;
import org.brickd.types.Wwid;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * iSCSI single path against the bed's LIO target: I2 (only the requested LUN appears),
 * I1 (a WWN mismatch is refused, nothing left), clean detach, extend, failover.
 */
@Tag("kernel")
class IscsiKernelTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static Uevents uevents;
    private static IscsiConnector connector;
    private static Wwid wwidA;
    private static Wwid wwidB;

    @BeforeAll
    static void bed() {
        KernelBed.requireBed();
        uevents = Uevents.open(KernelBed.NATIVE, Duration.ofMillis(200));
        connector = KernelBed.singlePathConnector(uevents);
        wwidA = TargetBed.createLun("ika", 64);
        wwidB = TargetBed.createLun("ikb", 64);
        TargetBed.map("ika", 1);
        TargetBed.map("ikb", 2);
    }

    @AfterAll
    static void close() {
        if (uevents != null) {
            uevents.close();
        }
    }

    @AfterEach
    void nothingLeftBehind() {
        assertThat(TargetBed.leftovers()).as("sessions/devices/nodes/maps after the test").isEmpty();
    }

    static IscsiConnection volume(int lun, String extraData) throws Exception {
        String vol = UUID.randomUUID().toString();
        String ci = """
                {"driver_volume_type": "iscsi", "serial": "%s",
                 "data": {"target_portal": "%s", "target_iqn": "%s", "target_lun": %d,
                          "target_discovered": false, "volume_id": "%s", "access_mode": "rw",
                          "encrypted": false, "qos_specs": null %s}}
                """.formatted(vol, TargetBed.PORTAL_1, TargetBed.TARGET_IQN, lun, vol, extraData);
        return (IscsiConnection) ConnectionInfoJson.parse(JSON.readTree(ci));
    }

    @Test
    void singlePathAttachBringsOnlyTheRequestedLunAndDetachLeavesNothing() throws Exception {
        IscsiConnection a = volume(1, "");

        long t0 = System.nanoTime();
        Attached att = connector.connectSingle(a, Identity.none());
        long connectMs = (System.nanoTime() - t0) / 1_000_000;

        assertThat(att.wwid()).isEqualTo(wwidA);
        assertThat(att.path()).isEqualTo("/dev/disk/by-id/scsi-" + wwidA.udev());
        BlockDevice disk = att.devices().get(0).disk();
        assertThat(Path.of(att.path()).toRealPath()).isEqualTo(Path.of(disk.devPath()));
        // I2: LUN 2 is mapped to this initiator on the same target, yet nothing but LUN 1 appeared
        String lio = KernelBed.ok("lsscsi");
        assertThat(lio.lines().filter(l -> l.contains("LIO-ORG"))).singleElement().asString().contains(":1]");
        String node = KernelBed.ok("iscsiadm", "-m", "node", "-T", TargetBed.TARGET_IQN, "-p", TargetBed.PORTAL_1);
        assertThat(node).contains("node.session.scan = manual").contains("node.startup = manual");
        assertThat(KernelBed.NATIVE.sizeBytes(Path.of(att.path()))).isEqualTo(64L << 20);

        t0 = System.nanoTime();
        Detached det = connector.disconnect(a, false);
        long disconnectMs = (System.nanoTime() - t0) / 1_000_000;

        assertThat(det.clean()).isTrue();
        assertThat(det.errors()).isEmpty();
        assertThat(det.removed()).hasSize(2); // the device and the session
        assertThat(KernelBed.DEV.exists(disk)).isFalse();
        System.out.printf("single-path connect %d ms, disconnect %d ms%n", connectMs, disconnectMs);
    }

    @Test
    void twoLunsOfOneTargetShareTheSessionAndOnlyTheLastDetachLogsOut() throws Exception {
        IscsiConnection a = volume(1, "");
        IscsiConnection b = volume(2, "");

        Attached attA = connector.connectSingle(a, Identity.none());
        Attached attB = connector.connectSingle(b, Identity.none());

        assertThat(attB.wwid()).isEqualTo(wwidB);
        assertThat(attA.devices().get(0).hctl().host()).isEqualTo(attB.devices().get(0).hctl().host());
        assertThat(KernelBed.ok("iscsiadm", "-m", "session").lines()).hasSize(1);

        Detached first = connector.disconnect(a, false);
        assertThat(first.removed()).containsExactly("device " + attA.devices().get(0).hctl());
        assertThat(KernelBed.ok("iscsiadm", "-m", "session").lines()).hasSize(1);
        assertThat(Path.of(attB.path()).toRealPath()).isEqualTo(Path.of(attB.devices().get(0).disk().devPath()));

        Detached second = connector.disconnect(b, false);
        assertThat(second.removed()).hasSize(2);
    }

    @Test
    void anExpectedWwnMismatchIsRefusedAndLeavesNothing() throws Exception {
        // the backend says the volume is B, but LUN 1 is A
        IscsiConnection a = volume(1, ", \"wwn\": \"" + wwidB.udev().substring(1).toUpperCase() + "\"");

        assertThatThrownBy(() -> connector.connectSingle(a, Identity.none()))
                .isInstanceOf(WwidMismatchException.class)
                .hasMessageContaining(wwidA.udev())
                .hasMessageContaining(wwidB.udev());
    }

    @Test
    void chapWithAWrongSecretIsRefusedCleanlyAndMutualChapWithTheRightOnesAttaches() throws Exception {
        String user = "brickd-initiator";
        String secret = "initiator-secret-0123";
        String targetUser = "lio-target";
        String targetSecret = "target-secret-456789";
        TargetBed.bedctl("target_chap", user, secret, targetUser, targetSecret);
        try {
            IscsiConnection wrong = volume(1, ", \"auth_method\": \"CHAP\", \"auth_username\": \"" + user
                    + "\", \"auth_password\": \"not-the-secret-0000\"");
            assertThatThrownBy(() -> connector.connectSingle(wrong, Identity.none()))
                    .isInstanceOf(BrickException.class)
                    .hasMessageContaining("CHAP authentication failed");
            assertThat(TargetBed.leftovers()).as("no session, device or node record after the refusal").isEmpty();

            IscsiConnection right = volume(1, ", \"auth_method\": \"CHAP\", \"auth_username\": \"" + user
                    + "\", \"auth_password\": \"" + secret + "\", \"auth_username_in\": \"" + targetUser
                    + "\", \"auth_password_in\": \"" + targetSecret + "\"");
            Attached att = connector.connectSingle(right, Identity.none());
            try {
                assertThat(att.wwid()).isEqualTo(wwidA);
                String node = KernelBed.ok("iscsiadm", "-m", "node", "-T", TargetBed.TARGET_IQN, "-p", TargetBed.PORTAL_1);
                assertThat(node).contains("node.session.auth.authmethod = CHAP")
                        .contains("node.session.auth.username = " + user)
                        .contains("node.session.auth.username_in = " + targetUser);
                // the secrets reached iscsid through the record file brickd wrote, never through an argv
                java.util.List<java.nio.file.Path> records;
                try (java.util.stream.Stream<java.nio.file.Path> files =
                        java.nio.file.Files.walk(java.nio.file.Path.of("/etc/iscsi/nodes", TargetBed.TARGET_IQN))) {
                    records = files.filter(java.nio.file.Files::isRegularFile)
                            .filter(f -> f.toString().contains("/" + TargetBed.PORTAL_1.replace(':', ','))).toList();
                }
                assertThat(records).as("node records of the target at " + TargetBed.PORTAL_1).isNotEmpty().allSatisfy(r -> {
                    assertThat(java.nio.file.Files.readAllLines(r)).contains("node.session.auth.password = " + secret,
                            "node.session.auth.password_in = " + targetSecret);
                    assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
                            java.nio.file.Files.getPosixFilePermissions(r))).isEqualTo("rw-------");
                });
            } finally {
                assertThat(connector.disconnect(right, false).clean()).isTrue();
            }
        } finally {
            TargetBed.bedctl("target_chap", "off");
        }
    }

    @Test
    void aLunTheTargetDoesNotPresentFailsCleanly() throws Exception {
        IscsiConnection missing = volume(7, "");

        assertThatThrownBy(() -> connector.connectSingle(missing, Identity.none()))
                .isInstanceOf(BrickException.class)
                .hasMessageContaining("LUN 7 is not presented");
    }

    @Test
    void extendReportsTheNewSize() throws Exception {
        Wwid c = TargetBed.createLun("ikc", 32);
        TargetBed.map("ikc", 3);
        IscsiConnection vol = volume(3, "");
        Attached att = connector.connectSingle(vol, Identity.none());
        assertThat(att.wwid()).isEqualTo(c);
        assertThat(KernelBed.NATIVE.sizeBytes(Path.of(att.path()))).isEqualTo(32L << 20);

        TargetBed.resize("ikc", 96);
        long size = connector.extend(vol);

        assertThat(size).isEqualTo(96L << 20);
        connector.disconnect(vol, false);
        TargetBed.unmap(3);
    }

    @Test
    void aDeadFirstPortalFailsOverToTheNextWithinItsDeadline() throws Exception {
        String vol = UUID.randomUUID().toString();
        String ci = """
                {"driver_volume_type": "iscsi", "serial": "%s",
                 "data": {"target_portals": ["%s", "%s"], "target_iqns": ["%s", "%s"], "target_luns": [1, 1],
                          "volume_id": "%s"}}
                """.formatted(vol, TargetBed.PORTAL_1, TargetBed.PORTAL_2, TargetBed.TARGET_IQN,
                TargetBed.TARGET_IQN, vol);
        IscsiConnection c = (IscsiConnection) ConnectionInfoJson.parse(JSON.readTree(ci));
        TargetBed.portalDown("127.0.0.1");
        try {
            long t0 = System.nanoTime();
            Attached att = connector.connectSingle(c, Identity.none());
            long ms = (System.nanoTime() - t0) / 1_000_000;

            assertThat(att.devices().get(0).via()).startsWith(TargetBed.PORTAL_2);
            assertThat(att.failedPaths()).singleElement().asString().startsWith(TargetBed.PORTAL_1);
            assertThat(ms).as("failover time").isLessThan(10_000 + 20_000);
            System.out.printf("failover connect %d ms%n", ms);
            connector.disconnect(c, false);
        } finally {
            TargetBed.portalUp("127.0.0.1");
        }
    }

    @Test
    void anAttachToAnotherTargetDoesNotWaitForOneStuckInLogin() throws Exception {
        Wwid other = TargetBed.createLun("ikt2", 32);
        TargetBed.mapOnSecondTarget("ikt2", 1);
        // one connector, so one set of target locks, as in the daemon; a login deadline long
        // enough that the stuck attach is still in its login when the other one is done
        IscsiConnector shared = KernelBed.singlePathConnector(uevents, Duration.ofSeconds(40));
        String vol = UUID.randomUUID().toString();
        IscsiConnection stuck = (IscsiConnection) ConnectionInfoJson.parse(JSON.readTree("""
                {"driver_volume_type": "iscsi", "serial": "%s",
                 "data": {"target_portal": "%s", "target_iqn": "%s", "target_lun": 1, "volume_id": "%s"}}
                """.formatted(vol, TargetBed.PORTAL_3, TargetBed.TARGET2_IQN, vol)));
        ExecutorService pool = Executors.newSingleThreadExecutor();
        TargetBed.bedctl("portal_drop", TargetBed.TARGET2_IP);
        try {
            Future<Attached> stuckAttach = pool.submit(() -> shared.connectSingle(stuck, Identity.none()));
            // its node record is written under the second target's lock, just before the login
            uevents.await("the stuck attach's node record", () -> KernelBed.run("iscsiadm", "-m", "node").stdout()
                    .contains(TargetBed.TARGET2_IQN), Duration.ofSeconds(20));

            long t0 = System.nanoTime();
            IscsiConnection a = volume(1, "");
            Attached att = shared.connectSingle(a, Identity.none());
            long ms = (System.nanoTime() - t0) / 1_000_000;

            assertThat(stuckAttach.isDone()).as("the attach to the dropped target is still in its login").isFalse();
            assertThat(att.wwid()).isEqualTo(wwidA);
            assertThat(shared.disconnect(a, false).clean()).isTrue();
            System.out.printf("attach to tgt1 while an attach to tgt2 hangs in login: %d ms%n", ms);

            assertThatThrownBy(() -> stuckAttach.get(90, TimeUnit.SECONDS))
                    .as("the attach through a portal that drops every packet fails at its deadline")
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(BrickException.class);
            assertThat(other).isNotEqualTo(wwidA);
        } finally {
            TargetBed.bedctl("portal_undrop", TargetBed.TARGET2_IP);
            pool.shutdownNow();
            TargetBed.unmapOnSecondTarget(1);
        }
    }

    @Test
    void lunsOfOneTargetAttachedAtOnceEachGetTheirOwnVerifiedDevice() throws Exception {
        int n = 6;
        List<Wwid> wwids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            wwids.add(TargetBed.createLun("ikp" + i, 16));
            TargetBed.map("ikp" + i, 10 + i);
        }
        // udev makes n by-id links at once: under TCG on a busy machine that takes longer than one
        IscsiConnector connector = KernelBed.singlePathConnector(uevents, new IscsiConnector.Settings(
                Duration.ofSeconds(20), Duration.ofSeconds(60), Duration.ofSeconds(60), Duration.ofSeconds(60)));
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<IscsiConnection> vols = new ArrayList<>();
            List<Future<Attached>> attaches = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                IscsiConnection v = volume(10 + i, "");
                vols.add(v);
                attaches.add(pool.submit(() -> connector.connectSingle(v, Identity.none())));
            }
            List<Attached> attached = new ArrayList<>();
            List<Throwable> failures = new ArrayList<>();
            for (Future<Attached> f : attaches) {
                try {
                    attached.add(f.get(120, TimeUnit.SECONDS));
                } catch (ExecutionException e) {
                    failures.add(e.getCause());
                }
            }
            long attachMs = (System.nanoTime() - t0) / 1_000_000;
            List<Future<Detached>> detaches = new ArrayList<>();
            for (IscsiConnection v : vols) {
                detaches.add(pool.submit(() -> connector.disconnect(v, false)));
            }
            for (Future<Detached> f : detaches) {
                assertThat(f.get(120, TimeUnit.SECONDS).errors()).isEmpty();
            }
            long totalMs = (System.nanoTime() - t0) / 1_000_000;

            assertThat(failures).as("attaches that failed").isEmpty();
            for (int i = 0; i < n; i++) {
                Attached att = attached.get(i);
                assertThat(att.wwid()).as("LUN %d", 10 + i).isEqualTo(wwids.get(i));
                assertThat(att.devices().get(0).hctl().lun()).as("LUN %d", 10 + i).isEqualTo(10 + i);
            }
            assertThat(attached.stream().map(x -> x.devices().get(0).hctl().host()).distinct()).as("one session").hasSize(1);
            System.out.printf("%d LUNs of one target at once: attach wall %d ms, attach+detach %d ms%n", n, attachMs,
                    totalMs);
        } finally {
            pool.shutdownNow();
            for (int i = 0; i < n; i++) {
                TargetBed.unmap(10 + i);
            }
        }
    }
}
