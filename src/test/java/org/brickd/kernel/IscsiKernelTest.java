package org.brickd.kernel;

import org.brickd.connector.Identity;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
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
}
