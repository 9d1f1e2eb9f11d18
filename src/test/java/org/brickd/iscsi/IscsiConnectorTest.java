package org.brickd.iscsi;

import org.brickd.connector.Identity;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.brickd.connector.Attached;
import org.brickd.connector.Detached;
import org.brickd.connector.IscsiConnection;
import org.brickd.connector.IscsiConnection.IscsiPath;
import org.brickd.connector.KeyedLocks;
import org.brickd.errors.BrickException;
import org.brickd.errors.HostException;
import org.brickd.errors.WwidMismatchException;
import org.brickd.host.Command;
import org.brickd.host.Uevents;
import org.brickd.scsi.ScsiOps;
import org.brickd.scsi.WwidProbe;
import org.brickd.testing.FakeIscsi;
import org.brickd.types.BlockDevice;
import org.brickd.types.Hctl;
import org.brickd.types.Iqn;
import org.brickd.types.Lun;
import org.brickd.types.Portal;
import org.brickd.types.VolumeId;
import org.brickd.types.Wwid;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The iSCSI connector against {@link FakeIscsi}: every test checks what is on the host
 * afterwards (sessions, SCSI devices, /dev nodes and links, node records), the way an
 * operator would. The iscsiadm argv itself is asserted only in {@link IscsiAdmArgvTest}.
 */
public class IscsiConnectorTest {

    static final String IQN = "iqn.2003-01.org.linux-iscsi.testbed:tgt1";
    static final String P1 = "127.0.0.1:3260";
    static final String P2 = "127.0.0.2:3260";
    static final String WWID_A = "naa.6001405aaaaaaaa00004000800000000";
    static final String WWID_B = "naa.6001405bbbbbbbb00004000800000000";
    static final String WWID_C = "naa.6001405cccccccc00004000800000000";
    static final String VOL_A = "aaaaaaaa-1111-4000-8000-000000000001";
    static final String VOL_B = "bbbbbbbb-1111-4000-8000-000000000002";
    static final String SECRET = "s3cret-Pa55word";
    static final String WRONG_SECRET = "wrong-Pa55word";

    @TempDir
    Path root;

    private final Uevents uevents = new Uevents(null, Duration.ofMillis(5));

    @AfterEach
    void close() {
        uevents.close();
    }

    public static IscsiConnector connector(FakeIscsi host, Uevents uevents) {
        return new IscsiConnector(new IscsiAdm(host, Duration.ofSeconds(5), host.nodeRecords()), new IscsiSessions(host.sysfs()),
                new ScsiOps(host.sysfs(), host.devfs(), host.nat(), uevents),
                new WwidProbe(host.devfs(), host.nat(), Duration.ofSeconds(1)), host.devfs(), uevents,
                new KeyedLocks(Duration.ofSeconds(2)),
                new IscsiConnector.Settings(Duration.ofSeconds(2), Duration.ofMillis(300), Duration.ofSeconds(1),
                        Duration.ofSeconds(1)));
    }

    private IscsiConnector connector(FakeIscsi host) {
        return connector(host, uevents);
    }

    /** A volume on LUN {@code lun} of IQN, reached through {@code portals} in that order. */
    static IscsiConnection volume(String vol, long lun, Optional<Chap> chap, Optional<String> wwn, String... portals) {
        List<IscsiPath> paths = new ArrayList<>();
        for (String p : portals) {
            paths.add(new IscsiPath(Portal.parse(p), Iqn.parse(IQN), Lun.of("target_lun", lun)));
        }
        return new IscsiConnection(VolumeId.parse(vol), paths, chap, Optional.empty(), wwn.map(Wwid::parse), false,
                false, false);
    }

    static IscsiConnection volume(String vol, long lun) {
        return volume(vol, lun, Optional.empty(), Optional.empty(), P1);
    }

    static Chap chap(String user, String secret) {
        return new Chap(user, secret, Optional.empty(), Optional.empty());
    }

    private long logins(FakeIscsi host) {
        return host.commands().stream().filter(c -> c.argv().contains("--login")).count();
    }

    /** Where a /dev path really leads, on the fake root. */
    private Path realDev(String devPath) throws Exception {
        return root.resolve(devPath.substring(1)).toRealPath();
    }

    private void assertNothingLeft(FakeIscsi host, String... portals) {
        assertThat(host.ls("sys/class/iscsi_session")).as("iSCSI sessions").isEmpty();
        assertThat(host.ls("sys/class/scsi_host")).as("SCSI hosts").isEmpty();
        assertThat(host.ls("sys/class/scsi_device")).as("SCSI devices").isEmpty();
        assertThat(host.ls("sys/block")).as("block devices").isEmpty();
        assertThat(host.ls("dev")).as("/dev").containsExactly("disk");
        assertThat(host.ls("dev/disk/by-id")).as("udev links").isEmpty();
        for (String p : portals) {
            assertThat(host.node(p, IQN)).as("node record for " + p).isEmpty();
        }
    }

    // ------------------------------------------------------------------ connect

    @Test
    void singlePathConnectLogsInOnceAndBringsOnlyTheRequestedLun() throws Exception {
        FakeIscsi host = new FakeIscsi(root, FakeIscsi.target(IQN).portal(P1).lun(1, WWID_A).lun(2, WWID_B));

        Attached att = connector(host).connectSingle(volume(VOL_A, 1), Identity.none());

        Wwid a = Wwid.parse(WWID_A);
        assertThat(att.wwid()).isEqualTo(a);
        assertThat(att.path()).isEqualTo("/dev/disk/by-id/scsi-36001405aaaaaaaa00004000800000000");
        BlockDevice disk = att.devices().get(0).disk();
        assertThat(realDev(att.path())).isEqualTo(root.resolve("dev/" + disk.name()).toRealPath());
        assertThat(att.devices()).singleElement().extracting(Attached.PathDevice::hctl).isEqualTo(Hctl.parse("7:0:0:1"));
        assertThat(att.failedPaths()).isEmpty();
        // one session, and only LUN 1 although the target maps LUN 2 to this initiator too (I2)
        assertThat(host.ls("sys/class/iscsi_session")).containsExactly("session1");
        assertThat(host.ls("sys/class/scsi_device")).containsExactly("7:0:0:1");
        assertThat(host.ls("sys/block")).containsExactly(disk.name());
        assertThat(host.node(P1, IQN)).get().satisfies(rec -> {
            assertThat(rec).containsEntry("node.session.scan", "manual");
            assertThat(rec).containsEntry("node.startup", "manual");
        });
    }

    @Test
    void connectingAnAttachedVolumeAgainReusesItsSessionAndDevice() {
        FakeIscsi host = new FakeIscsi(root, FakeIscsi.target(IQN).portal(P1).lun(1, WWID_A));
        IscsiConnector connector = connector(host);
        Attached first = connector.connectSingle(volume(VOL_A, 1), Identity.none());

        Attached again = connector.connectSingle(volume(VOL_A, 1), Identity.none());

        assertThat(again.path()).isEqualTo(first.path());
        assertThat(again.devices()).isEqualTo(first.devices());
        assertThat(logins(host)).isEqualTo(1);
        assertThat(host.ls("sys/class/iscsi_session")).hasSize(1);
        assertThat(host.ls("sys/class/scsi_device")).hasSize(1);
    }

    @Test
    void aSecondLunOfTheSameTargetSharesTheSession() throws Exception {
        FakeIscsi host = new FakeIscsi(root, FakeIscsi.target(IQN).portal(P1).lun(1, WWID_A).lun(2, WWID_B));
        IscsiConnector connector = connector(host);
        Attached a = connector.connectSingle(volume(VOL_A, 1), Identity.none());

        Attached b = connector.connectSingle(volume(VOL_B, 2), Identity.none());

        assertThat(b.wwid()).isEqualTo(Wwid.parse(WWID_B));
        assertThat(b.devices().get(0).hctl().host()).isEqualTo(a.devices().get(0).hctl().host());
        assertThat(logins(host)).isEqualTo(1);
        assertThat(host.ls("sys/class/iscsi_session")).hasSize(1);
        assertThat(host.ls("sys/class/scsi_device")).containsExactly("7:0:0:1", "7:0:0:2");
        assertThat(realDev(a.path())).isNotEqualTo(realDev(b.path()));
    }

    @Test
    void aLunWaitingForItsDiskDoesNotHoldUpAnotherLunOfTheSameTarget() throws Exception {
        FakeIscsi host = new FakeIscsi(root, FakeIscsi.target(IQN).portal(P1).lun(1, WWID_A).slowDisk(1).lun(2, WWID_B));
        // the target lock's wait deadline (2 s) is shorter than the slow LUN's disk deadline:
        // if the wait for the disk held the lock, the second attach would end BUSY
        IscsiConnector connector = new IscsiConnector(new IscsiAdm(host, Duration.ofSeconds(5), host.nodeRecords()),
                new IscsiSessions(host.sysfs()), new ScsiOps(host.sysfs(), host.devfs(), host.nat(), uevents),
                new WwidProbe(host.devfs(), host.nat(), Duration.ofSeconds(1)), host.devfs(), uevents,
                new KeyedLocks(Duration.ofSeconds(2)), new IscsiConnector.Settings(Duration.ofSeconds(2),
                        Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofSeconds(1)));
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Attached> slow = pool.submit(() -> connector.connectSingle(volume(VOL_A, 1), Identity.none()));
            uevents.await("LUN 1 scanned", () -> host.ls("sys/class/scsi_device").contains("7:0:0:1"),
                    Duration.ofSeconds(10));

            Attached b = connector.connectSingle(volume(VOL_B, 2), Identity.none());

            assertThat(b.wwid()).isEqualTo(Wwid.parse(WWID_B));
            assertThat(slow.isDone()).as("LUN 1 still waits for its disk").isFalse();
            host.diskArrives(1);
            Attached a = slow.get(10, TimeUnit.SECONDS);
            assertThat(a.wwid()).isEqualTo(Wwid.parse(WWID_A));
            assertThat(a.devices().get(0).hctl().host()).isEqualTo(b.devices().get(0).hctl().host());
            assertThat(logins(host)).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aLunWhoseDiskNeverComesIsUndoneAndKeepsTheSessionOfAnotherLun() throws Exception {
        FakeIscsi host = new FakeIscsi(root, FakeIscsi.target(IQN).portal(P1).lun(1, WWID_A).slowDisk(1).lun(2, WWID_B));
        IscsiConnector connector = connector(host);
        Attached b = connector.connectSingle(volume(VOL_B, 2), Identity.none());

        assertThatThrownBy(() -> connector.connectSingle(volume(VOL_A, 1), Identity.none()))
                .isInstanceOf(BrickException.class);

        assertThat(host.ls("sys/class/scsi_device")).as("the slow LUN's device was deleted").containsExactly("7:0:0:2");
        assertThat(host.ls("sys/class/iscsi_session")).hasSize(1);
        assertThat(realDev(b.path())).isEqualTo(root.resolve("dev/" + b.devices().get(0).disk().name()).toRealPath());
    }

    @Test
    void whenTheAttachThatLoggedInFailsFirstTheLastFailingAttachLogsOut() throws Exception {
        // seen on the bed: 16 attaches at once to a target without a session, every disk late;
        // the attach that logged in undid its LUN while the others still held theirs, and the
        // others, not having logged in, left the session behind
        FakeIscsi host = new FakeIscsi(root, FakeIscsi.target(IQN).portal(P1).lun(1, WWID_A).slowDisk(1)
                .lun(2, WWID_B).slowDisk(2));
        IscsiConnector first = connector(host); // disk deadline 300 ms
        IscsiConnector second = new IscsiConnector(new IscsiAdm(host, Duration.ofSeconds(5), host.nodeRecords()),
                new IscsiSessions(host.sysfs()), new ScsiOps(host.sysfs(), host.devfs(), host.nat(), uevents),
                new WwidProbe(host.devfs(), host.nat(), Duration.ofSeconds(1)), host.devfs(), uevents,
                new KeyedLocks(Duration.ofSeconds(2)), new IscsiConnector.Settings(Duration.ofSeconds(2),
                        Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofSeconds(1)));
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Attached> a = pool.submit(() -> first.connectSingle(volume(VOL_A, 1), Identity.none()));
            uevents.await("LUN 1 scanned", () -> host.ls("sys/class/scsi_device").contains("7:0:0:1"), Duration.ofSeconds(10));
            Future<Attached> b = pool.submit(() -> second.connectSingle(volume(VOL_B, 2), Identity.none()));

            assertThat(catchThrowable(() -> a.get(10, TimeUnit.SECONDS))).as("the attach that logged in")
                    .isInstanceOf(ExecutionException.class);
            assertThat(host.ls("sys/class/iscsi_session")).as("the session, while LUN 2 waits").hasSize(1);
            assertThat(catchThrowable(() -> b.get(10, TimeUnit.SECONDS))).as("the attach that found the session")
                    .isInstanceOf(ExecutionException.class);
            assertNothingLeft(host, P1);
        } finally {
            pool.shutdownNow();
        }
    }

    // ------------------------------------------------------------------ disconnect

    @Test
    void disconnectOfTheOnlyLunRemovesTheDeviceTheSessionAndTheNodeRecord() {
        FakeIscsi host = new FakeIscsi(root, FakeIscsi.target(IQN).portal(P1).lun(1, WWID_A));
        IscsiConnector connector = connector(host);
        Attached att = connector.connectSingle(volume(VOL_A, 1), Identity.none());

        Detached det = connector.disconnect(volume(VOL_A, 1), false);

        assertThat(det.clean()).isTrue();
        assertThat(det.alreadyGone()).isFalse();
        assertThat(det.errors()).isEmpty();
        assertThat(det.removed()).hasSize(2).first().isEqualTo("device " + att.devices().get(0).hctl());
        assertThat(host.flushed()).containsExactly(att.devices().get(0).disk().name());
        assertNothingLeft(host, P1);
    }

    @Test
    void disconnectFindsTheVolumeOnEverySessionToItsTargetNotOnlyThePortalsItNames() {
        // attached through P1 (say, found by discovery); nova detaches with a connection_info naming P2 only
        FakeIscsi host = new FakeIscsi(root, FakeIscsi.target(IQN).portal(P1).portal(P2).lun(1, WWID_A).lun(2, WWID_B));
        IscsiConnector connector = connector(host);
        Attached att = connector.connectSingle(volume(VOL_A, 1, Optional.empty(), Optional.empty(), P1), Identity.none());
        connector.connectSingle(volume(VOL_B, 2, Optional.empty(), Optional.empty(), P1), Identity.none());

        assertThat(connector.volumePaths(volume(VOL_A, 1, Optional.empty(), Optional.empty(), P2)))
                .containsExactly(att.devices().get(0).disk().devPath());
        Detached det = connector.disconnect(volume(VOL_A, 1, Optional.empty(), Optional.empty(), P2), false);

        assertThat(det.clean()).isTrue();
        assertThat(det.removed()).containsExactly("device " + att.devices().get(0).hctl());
        // LUN 2 of volume B keeps the session through P1
        assertThat(host.ls("sys/class/scsi_device")).containsExactly("7:0:0:2");
        assertThat(host.ls("sys/class/iscsi_session")).hasSize(1);

        assertThat(connector.disconnect(volume(VOL_B, 2, Optional.empty(), Optional.empty(), P2), false).clean()).isTrue();
        assertNothingLeft(host, P1, P2);
    }

    @Test
    void disconnectOfOneOfTwoLunsKeepsTheSessionForTheOther() throws Exception {
        FakeIscsi host = new FakeIscsi(root, FakeIscsi.target(IQN).portal(P1).lun(1, WWID_A).lun(2, WWID_B));
        IscsiConnector connector = connector(host);
        Attached a = connector.connectSingle(volume(VOL_A, 1), Identity.none());
        Attached b = connector.connectSingle(volume(VOL_B, 2), Identity.none());

        Detached first = connector.disconnect(volume(VOL_A, 1), false);

        assertThat(first.removed()).containsExactly("device " + a.devices().get(0).hctl());
        assertThat(host.ls("sys/class/iscsi_session")).hasSize(1);
        assertThat(host.ls("sys/class/scsi_device")).containsExactly("7:0:0:2");
        assertThat(host.node(P1, IQN)).isPresent();
        assertThat(realDev(b.path())).isEqualTo(root.resolve("dev/" + b.devices().get(0).disk().name()).toRealPath());

        Detached last = connector.disconnect(volume(VOL_B, 2), false);

        assertThat(last.removed()).hasSize(2);
        assertNothingLeft(host, P1);
    }

    @Test
    void disconnectOfAVolumeNeverAttachedSucceedsAsAlreadyGone() {
        FakeIscsi host = new FakeIscsi(root, FakeIscsi.target(IQN).portal(P1).lun(1, WWID_A));

        Detached det = connector(host).disconnect(volume(VOL_A, 1), false);

        assertThat(det.alreadyGone()).isTrue();
        assertThat(det.clean()).isTrue();
        assertThat(det.removed()).isEmpty();
        assertThat(det.errors()).isEmpty();
        // only a look for a node record left behind; nothing logged in, out, created or deleted
        assertThat(host.commands()).allSatisfy(c -> assertThat(c.argv())
                .doesNotContain("--login", "--logout", "--op", "new", "delete", "update"));
    }

    @Test
    void aNodeRecordLeftAfterLogoutIsDeletedByTheNextDisconnect() {
        FakeIscsi host = new FakeIscsi(root, FakeIscsi.target(IQN).portal(P1).lun(1, WWID_A));
        IscsiConnector connector = connector(host);
        connector.connectSingle(volume(VOL_A, 1), Identity.none());
        String hctl = host.ls("sys/class/scsi_device").get(0);
        // a crash after the device went and the session logged out, before the record was deleted
        host.sysfs().write("class/scsi_device/" + hctl + "/device/delete", "1");
        host.run(org.brickd.host.Command.of("iscsiadm", java.time.Duration.ofSeconds(5))
                .args("-m", "node", "-T", IQN, "-p", P1, "--logout").build());
        assertThat(host.node(P1, IQN)).isPresent();

        Detached det = connector.disconnect(volume(VOL_A, 1), false);

        assertThat(det.removed()).containsExactly("node record " + P1 + " " + IQN);
        assertNothingLeft(host, P1);
    }

    @Test
    void aRepeatedDisconnectIsAlreadyGoneEvenWhileAnotherLunKeepsTheSession() {
        FakeIscsi host = new FakeIscsi(root, FakeIscsi.target(IQN).portal(P1).lun(1, WWID_A).lun(2, WWID_B));
        IscsiConnector connector = connector(host);
        connector.connectSingle(volume(VOL_A, 1), Identity.none());
        connector.connectSingle(volume(VOL_B, 2), Identity.none());
        connector.disconnect(volume(VOL_A, 1), false);

        Detached again = connector.disconnect(volume(VOL_A, 1), false);

        assertThat(again.alreadyGone()).isTrue();
        assertThat(again.removed()).isEmpty();
        assertThat(again.errors()).isEmpty();
        assertThat(host.ls("sys/class/scsi_device")).containsExactly("7:0:0:2");
    }

    @Test
    void aFailedFlushWithoutForceRemovesNothing() {
        FakeIscsi host = new FakeIscsi(root, FakeIscsi.target(IQN).portal(P1).lun(1, WWID_A));
        IscsiConnector connector = connector(host);
        Attached att = connector.connectSingle(volume(VOL_A, 1), Identity.none());
        BlockDevice disk = att.devices().get(0).disk();
        host.failFlush(disk);

        assertThatThrownBy(() -> connector.disconnect(volume(VOL_A, 1), false))
                .isInstanceOf(HostException.class)
                .hasMessageContaining(VOL_A)
                .hasMessageContaining("flushing " + disk)
                .hasMessageContaining("nothing was removed")
                .hasMessageContaining("force");

        assertThat(host.ls("sys/class/scsi_device")).containsExactly("7:0:0:1");
        assertThat(host.ls("dev")).contains(disk.name());
        assertThat(host.devfs().resolve(att.path())).contains(disk);
        assertThat(host.ls("sys/class/iscsi_session")).hasSize(1);
        assertThat(host.node(P1, IQN)).isPresent();
        assertThat(host.writes()).noneMatch(w -> w.contains("/delete="));
    }

    @Test
    void aFailedFlushWithForceRemovesAnywayAndListsTheError() {
        FakeIscsi host = new FakeIscsi(root, FakeIscsi.target(IQN).portal(P1).lun(1, WWID_A));
        IscsiConnector connector = connector(host);
        Attached att = connector.connectSingle(volume(VOL_A, 1), Identity.none());
        host.failFlush(att.devices().get(0).disk());

        Detached det = connector.disconnect(volume(VOL_A, 1), true);

        assertThat(det.errors()).singleElement().asString()
                .startsWith("flush " + att.devices().get(0).disk())
                .contains("Input/output error");
        assertThat(det.clean()).isTrue();
        assertNothingLeft(host, P1);
    }

    @Test
    void aDetachReturnsOnlyOnceUdevHasDroppedTheRemovedDisksLinks() throws Exception {
        FakeIscsi host = new FakeIscsi(root, FakeIscsi.target(IQN).portal(P1).lun(1, WWID_A)).udevLagsOnRemoval();
        // a removal deadline far beyond this test's steps: the detach must be waiting on udev, not past it
        IscsiConnector connector = new IscsiConnector(new IscsiAdm(host, Duration.ofSeconds(5), host.nodeRecords()),
                new IscsiSessions(host.sysfs()), new ScsiOps(host.sysfs(), host.devfs(), host.nat(), uevents),
                new WwidProbe(host.devfs(), host.nat(), Duration.ofSeconds(1)), host.devfs(), uevents,
                new KeyedLocks(Duration.ofSeconds(2)), new IscsiConnector.Settings(Duration.ofSeconds(2),
                        Duration.ofMillis(300), Duration.ofSeconds(1), Duration.ofSeconds(30)));
        Attached att = connector.connectSingle(volume(VOL_A, 1), Identity.none());
        String hctl = att.devices().get(0).hctl().toString();
        Path link = root.resolve(att.path().substring(1));
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<Detached> det = pool.submit(() -> connector.disconnect(volume(VOL_A, 1), false));
            uevents.await("the kernel's removal of " + hctl, () -> !host.ls("sys/class/scsi_device").contains(hctl),
                    Duration.ofSeconds(10));

            assertThat(Files.isSymbolicLink(link) && !Files.exists(link)).as("the by-id link, dangling").isTrue();
            assertThat(det.isDone()).as("detach done before udev dropped the link").isFalse();
            host.udevCatchesUp();
            assertThat(det.get(10, TimeUnit.SECONDS).errors()).isEmpty();
            assertNothingLeft(host, P1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void linksUdevNeverDropsAreRemovedAtTheRemovalDeadline() {
        FakeIscsi host = new FakeIscsi(root, FakeIscsi.target(IQN).portal(P1).lun(1, WWID_A)).udevLagsOnRemoval();
        IscsiConnector connector = connector(host);
        connector.connectSingle(volume(VOL_A, 1), Identity.none());

        Detached det = connector.disconnect(volume(VOL_A, 1), false);

        assertThat(det.errors()).isEmpty();
        assertThat(det.clean()).isTrue();
        assertNothingLeft(host, P1);
    }

    @Test
    void aBlockedDeviceIsSetOfflineBeforeItIsDeleted() {
        FakeIscsi host = new FakeIscsi(root, FakeIscsi.target(IQN).portal(P1).lun(1, WWID_A));
        IscsiConnector connector = connector(host);
        Attached att = connector.connectSingle(volume(VOL_A, 1), Identity.none());
        String hctl = att.devices().get(0).hctl().toString();
        host.host().state(hctl, "blocked"); // transport lost; the kernel would hold a delete until recovery

        Detached det = connector.disconnect(volume(VOL_A, 1), false);

        assertThat(det.errors()).isEmpty();
        assertNothingLeft(host, P1);
        assertThat(host.writes()).containsSubsequence(
                "/sys/class/scsi_device/" + hctl + "/device/state=offline",
                "/sys/class/scsi_device/" + hctl + "/device/delete=1");
    }

    // ------------------------------------------------------------------ I1 and clean failure

    @Test
    void anExpectedWwnMismatchIsRefusedAndLeavesNothing() {
        FakeIscsi host = new FakeIscsi(root, FakeIscsi.target(IQN).portal(P1).lun(1, WWID_A));
        // the backend says the volume is B (in the bare, upper-case form some drivers send); LUN 1 is A
        IscsiConnection says = volume(VOL_A, 1, Optional.empty(), Optional.of("6001405BBBBBBBB00004000800000000"), P1);

        assertThatThrownBy(() -> connector(host).connectSingle(says, Identity.none()))
                .isInstanceOf(WwidMismatchException.class)
                .hasMessageContaining("36001405aaaaaaaa00004000800000000")
                .hasMessageContaining("36001405bbbbbbbb00004000800000000");

        assertNothingLeft(host, P1);
    }

    @Test
    void aWwidDifferentFromTheRecordedOneIsRefusedAndLeavesNothing() {
        FakeIscsi host = new FakeIscsi(root, FakeIscsi.target(IQN).portal(P1).lun(1, WWID_A));
        Identity recordedB = new Identity(Optional.of(Wwid.parse(WWID_B)), Map.of());

        assertThatThrownBy(() -> connector(host).connectSingle(volume(VOL_A, 1), recordedB))
                .isInstanceOf(WwidMismatchException.class)
                .hasMessageContaining("first attach")
                .hasMessageContaining("36001405bbbbbbbb00004000800000000");

        assertNothingLeft(host, P1);
    }

    @Test
    void aWwidOwnedByAnotherVolumeIsRefusedAndLeavesNothing() {
        FakeIscsi host = new FakeIscsi(root, FakeIscsi.target(IQN).portal(P1).lun(1, WWID_A));
        Identity ownedByB = new Identity(Optional.empty(), Map.of(Wwid.parse(WWID_A), VolumeId.parse(VOL_B)));

        assertThatThrownBy(() -> connector(host).connectSingle(volume(VOL_A, 1), ownedByB))
                .isInstanceOf(WwidMismatchException.class)
                .hasMessageContaining(VOL_B);

        assertNothingLeft(host, P1);
    }

    @Test
    void aLunSwappedBehindALiveDiskIsRefusedOnTheLunsOwnWordNotTheSysfsCache() throws Exception {
        FakeIscsi.Target target = FakeIscsi.target(IQN).portal(P1).lun(1, WWID_A);
        FakeIscsi host = new FakeIscsi(root, target);
        IscsiConnector connector = connector(host);
        connector.connectSingle(volume(VOL_A, 1), Identity.none());
        target.swap(1, WWID_C);

        assertThatThrownBy(() -> connector.connectSingle(volume(VOL_A, 1),
                new Identity(Optional.of(Wwid.parse(WWID_A)), Map.of())))
                .isInstanceOf(WwidMismatchException.class)
                .hasMessageContaining("36001405cccccccc00004000800000000");
        // the kernel's cached copy still names A: only the live VPD page gave the swap away
        assertThat(host.sysfs().read("class/scsi_device/7:0:0:1/device/wwid")).contains(WWID_A);
    }

    @Test
    void aLunTheTargetDoesNotMapFailsCleanly() {
        FakeIscsi host = new FakeIscsi(root, FakeIscsi.target(IQN).portal(P1).lun(1, WWID_A));

        assertThatThrownBy(() -> connector(host).connectSingle(volume(VOL_A, 5), Identity.none()))
                .isInstanceOf(HostException.class)
                .hasMessageContaining("LUN 5 is not presented")
                .hasMessageContaining("Nothing was left");

        assertNothingLeft(host, P1);
    }

    @Test
    void anUnmappedLunZeroThatLioAnswersAsNoDeviceFailsCleanly() {
        FakeIscsi host = new FakeIscsi(root, FakeIscsi.target(IQN).portal(P1).lun(1, WWID_A));

        assertThatThrownBy(() -> connector(host).connectSingle(volume(VOL_A, 0), Identity.none()))
                .isInstanceOf(HostException.class)
                .hasMessageContaining("7:0:0:0");

        assertNothingLeft(host, P1);
    }

    // ------------------------------------------------------------------ paths and CHAP

    @Test
    void aDeadFirstPortalFailsOverToTheSecondAndIsCleanedUp() {
        FakeIscsi host = new FakeIscsi(root, FakeIscsi.target(IQN).deadPortal(P1).portal(P2).lun(1, WWID_A));

        Attached att = connector(host).connectSingle(volume(VOL_A, 1, Optional.empty(), Optional.empty(), P1, P2),
                Identity.none());

        assertThat(att.devices()).singleElement().satisfies(d -> assertThat(d.via()).startsWith(P2));
        assertThat(att.failedPaths()).singleElement().asString().startsWith(P1).contains("exited 8");
        assertThat(host.node(P1, IQN)).isEmpty();
        assertThat(host.node(P2, IQN)).isPresent();
        assertThat(host.ls("sys/class/iscsi_session")).hasSize(1);
        assertThat(host.sysfs().read("class/iscsi_connection/connection1:0/persistent_address")).contains("127.0.0.2");
    }

    @Test
    void aFirstPortalWhoseLoginHangsPastItsDeadlineFailsOverToo() {
        FakeIscsi host = new FakeIscsi(root, FakeIscsi.target(IQN).hungPortal(P1).portal(P2).lun(1, WWID_A));

        Attached att = connector(host).connectSingle(volume(VOL_A, 1, Optional.empty(), Optional.empty(), P1, P2),
                Identity.none());

        assertThat(att.devices().get(0).via()).startsWith(P2);
        assertThat(att.failedPaths()).singleElement().asString().startsWith(P1);
        assertThat(host.node(P1, IQN)).isEmpty();
    }

    @Test
    void everyPortalDeadFailsNamingEachAndLeavesNothing() {
        FakeIscsi host = new FakeIscsi(root, FakeIscsi.target(IQN).deadPortal(P1).deadPortal(P2).lun(1, WWID_A));

        assertThatThrownBy(() -> connector(host).connectSingle(
                volume(VOL_A, 1, Optional.empty(), Optional.empty(), P1, P2), Identity.none()))
                .isInstanceOf(HostException.class)
                .hasMessageContaining(VOL_A)
                .hasMessageContaining(P1)
                .hasMessageContaining(P2);

        assertNothingLeft(host, P1, P2);
    }

    @Test
    void chapWithTheRightSecretLogsIn() {
        FakeIscsi host = new FakeIscsi(root, FakeIscsi.target(IQN).portal(P1).lun(1, WWID_A).chap("cinder", SECRET));

        Attached att = connector(host).connectSingle(
                volume(VOL_A, 1, Optional.of(chap("cinder", SECRET)), Optional.empty(), P1), Identity.none());

        assertThat(att.wwid()).isEqualTo(Wwid.parse(WWID_A));
    }

    @Test
    void aWrongChapSecretFailsClearlyLeavesNothingAndNeverShowsTheSecret() {
        FakeIscsi host = new FakeIscsi(root, FakeIscsi.target(IQN).portal(P1).lun(1, WWID_A).chap("cinder", SECRET));
        IscsiConnection wrong = volume(VOL_A, 1, Optional.of(chap("cinder", WRONG_SECRET)), Optional.empty(), P1);

        Throwable e = catchThrowable(() -> connector(host).connectSingle(wrong, Identity.none()));

        assertThat(e).isInstanceOf(HostException.class)
                .hasMessageContaining("CHAP authentication failed")
                .hasMessageContaining(IQN)
                .hasMessageContaining(P1);
        assertNothingLeft(host, P1);
        assertThat(host.commands()).as("no iscsiadm argv carries a secret (any user can read argv in /proc)")
                .noneMatch(c -> c.argv().stream().anyMatch(a -> a.contains(WRONG_SECRET) || a.contains(SECRET)));
        List<String> shown = new ArrayList<>(host.commands().stream().map(Command::display).toList());
        shown.addAll(host.commands().stream().map(Command::toString).toList());
        shown.addAll(messages(e));
        assertThat(shown).noneMatch(s -> s.contains(WRONG_SECRET) || s.contains(SECRET));
    }

    /** Every message in an exception's causes and suppressed exceptions. */
    private static List<String> messages(Throwable t) {
        List<String> out = new ArrayList<>();
        if (t == null) {
            return out;
        }
        out.add(String.valueOf(t.getMessage()));
        out.add(t.toString());
        out.addAll(messages(t.getCause()));
        Arrays.stream(t.getSuppressed()).forEach(s -> out.addAll(messages(s)));
        return out;
    }

    // ------------------------------------------------------------------ extend

    @Test
    void extendAnswersTheSizeTheTargetNowHas() throws Exception {
        FakeIscsi.Target target = FakeIscsi.target(IQN).portal(P1).lun(1, WWID_A, 64L << 20);
        FakeIscsi host = new FakeIscsi(root, target);
        IscsiConnector connector = connector(host);
        Attached att = connector.connectSingle(volume(VOL_A, 1), Identity.none());
        target.resize(1, 96L << 20);
        assertThat(host.nat().sizeBytes(realDev(att.path()))).as("before a rescan").isEqualTo(64L << 20);

        long size = connector.extend(volume(VOL_A, 1));

        assertThat(size).isEqualTo(96L << 20);
        assertThat(host.nat().sizeBytes(realDev(att.path()))).isEqualTo(96L << 20);
    }

    @Test
    void extendOfAVolumeNotAttachedIsNotFound() {
        FakeIscsi host = new FakeIscsi(root, FakeIscsi.target(IQN).portal(P1).lun(1, WWID_A));

        assertThatThrownBy(() -> connector(host).extend(volume(VOL_A, 1)))
                .isInstanceOfSatisfying(BrickException.class, e -> assertThat(e.code()).isEqualTo(BrickException.Code.NOT_FOUND))
                .hasMessageContaining(VOL_A);
    }

    @Test
    void theFakeRootHasTheKernelsShapes() throws Exception {
        FakeIscsi host = new FakeIscsi(root, FakeIscsi.target(IQN).portal(P1).lun(1, WWID_A));
        connector(host).connectSingle(volume(VOL_A, 1), Identity.none());

        Path sys = root.resolve("sys");
        assertThat(Files.readSymbolicLink(sys.resolve("class/iscsi_session/session1")))
                .hasToString("../../devices/platform/host7/session1/iscsi_session/session1");
        assertThat(Files.readSymbolicLink(sys.resolve("class/scsi_device/7:0:0:1")))
                .hasToString("../../devices/platform/host7/session1/target7:0:0/7:0:0:1/scsi_device/7:0:0:1");
        assertThat(Files.readSymbolicLink(sys.resolve("block/sdb")))
                .hasToString("../devices/platform/host7/session1/target7:0:0/7:0:0:1/block/sdb");
        assertThat(host.sysfs().resolve("class/iscsi_session/session1/device")).contains("devices/platform/host7/session1");
        assertThat(host.sysfs().read("class/iscsi_session/session1/targetname")).contains(IQN);
        assertThat(host.sysfs().read("class/iscsi_session/session1/state")).contains("LOGGED_IN");
        assertThat(host.sysfs().read("class/iscsi_connection/connection1:0/persistent_port")).contains("3260");
        assertThat(Files.readSymbolicLink(root.resolve("dev/disk/by-id/scsi-36001405aaaaaaaa00004000800000000")))
                .hasToString("../../sdb");
    }
}
