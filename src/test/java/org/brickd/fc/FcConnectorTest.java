package org.brickd.fc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.brickd.connector.Attached;
import org.brickd.connector.Detached;
import org.brickd.connector.FcConnection;
import org.brickd.connector.Identity;
import org.brickd.connector.PathIdentity;
import org.brickd.connector.VolumeDevices;
import org.brickd.errors.BrickException;
import org.brickd.errors.HostException;
import org.brickd.errors.InvalidInputException;
import org.brickd.errors.WwidMismatchException;
import org.brickd.host.Uevents;
import org.brickd.multipath.DmMaps;
import org.brickd.multipath.FakeDevMapper;
import org.brickd.multipath.FakeMultipathd;
import org.brickd.multipath.Multipath;
import org.brickd.rpc.ConnectionInfoJson;
import org.brickd.scsi.ScsiOps;
import org.brickd.scsi.WwidProbe;
import org.brickd.testing.FakeFc;
import org.brickd.testing.RecordedSteps;
import org.brickd.types.Wwid;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The FC connector over a fake root laid out like real FC sysfs: two HBAs (host7, host8),
 * each seeing two target ports of one array (rport-H:0-0 SCSI target 0, rport-H:0-1 SCSI
 * target 1) that present LUNs 0, 1 and 300, plus an initiator-only rport. Every test
 * checks the scan writes (exactly the requested C T L, never a wildcard) and what is on
 * the host afterwards.
 */
class FcConnectorTest {

    static final String HBA7 = "21000024ff000007";
    static final String HBA8 = "21000024ff000008";
    static final String T1 = "50:06:01:60:3b:20:00:01";
    static final String T2 = "50:06:01:68:3b:20:00:01";
    static final String WWID_0 = "naa.6001405f0f0f0f0f0f0f0f0f0f0f0f00";
    static final String WWID_1 = "naa.6001405a1a1a1a1a1a1a1a1a1a1a1a10";
    static final String WWID_300 = "naa.6001405c3c3c3c3c3c3c3c3c3c3c3c30";
    static final String UDEV_1 = "36001405a1a1a1a1a1a1a1a1a1a1a1a10";
    static final String VOL = "aaaaaaaa-1111-4000-8000-000000000001";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path root;
    private final Uevents uevents = new Uevents(null, Duration.ofMillis(5));
    private FakeFc fc;
    private FakeFc.Target t1;
    private FakeFc.Target t2;
    private FakeMultipathd mpathd;

    @BeforeEach
    void host() {
        fc = new FakeFc(root);
        t1 = FakeFc.target(T1).lun(0, WWID_0).lun(1, WWID_1).lun(300, WWID_300);
        t2 = FakeFc.target(T2).lun(0, WWID_0).lun(1, WWID_1).lun(300, WWID_300);
        fc.hba(7, HBA7).hba(8, HBA8)
                .sees(7, t1, 0).sees(7, t2, 1)
                .sees(8, t1, 0).sees(8, t2, 1)
                .rport(8, FakeFc.target("21000024ff0000ff"), -1, "FCP Initiator", "Online");
    }

    @AfterEach
    void close() {
        uevents.close();
    }

    private FcConnector connector(boolean withMultipath) {
        ScsiOps scsi = new ScsiOps(fc.sysfs(), fc.devfs(), fc.nat(), uevents);
        Multipath mp = null;
        if (withMultipath) {
            FakeDevMapper dm = new FakeDevMapper(fc.host());
            mpathd = new FakeMultipathd(fc.host(), dm);
            mp = new Multipath(mpathd, mpathd, dm, fc.sysfs(), fc.devfs(), uevents,
                    new Multipath.Settings(Duration.ofSeconds(5), Duration.ofSeconds(1), Duration.ofMillis(200)));
        }
        Duration second = Duration.ofSeconds(1);
        return new FcConnector(new FcHosts(fc.sysfs()), new FcRemotePorts(fc.sysfs()), scsi,
                new PathIdentity(new WwidProbe(fc.devfs(), fc.nat(), second), fc.devfs(), uevents, second),
                new VolumeDevices(scsi, mp, mp != null ? mp.maps() : new DmMaps(fc.sysfs()), second), mp,
                new FcConnector.Settings(Duration.ofMillis(300), second, second));
    }

    /** cinder's connection_info for the volume, parsed as the daemon parses it. */
    static FcConnection volume(String data) throws Exception {
        return (FcConnection) ConnectionInfoJson.parse(JSON.readTree("""
                {"driver_volume_type": "fibre_channel", "serial": "%s",
                 "data": {"volume_id": "%s", %s}}
                """.formatted(VOL, VOL, data)));
    }

    private static FcConnection lun1BothTargets() throws Exception {
        return volume("\"target_wwn\": [\"" + T1 + "\", \"" + T2 + "\"], \"target_lun\": 1");
    }

    private void assertNoWildcard() {
        assertThat(fc.scanWrites()).allSatisfy(w -> assertThat(w).doesNotContain("-"));
    }

    private void assertNothingLeft() {
        assertThat(fc.ls("sys/class/scsi_device")).as("SCSI devices").isEmpty();
        assertThat(fc.ls("sys/block")).as("block devices").isEmpty();
        assertThat(fc.ls("dev/disk/by-id")).as("udev links").isEmpty();
    }

    // ------------------------------------------------------------------ connect

    @Test
    void singlePathConnectScansExactlyTheRequestedLunOnOnePath() throws Exception {
        Attached att = connector(false).connectSingle(lun1BothTargets(), Identity.none());

        assertThat(fc.scanWrites()).containsExactly("host7: 0 0 1");
        assertThat(fc.ls("sys/class/scsi_device")).containsExactly("7:0:0:1");
        assertThat(att.wwid()).isEqualTo(Wwid.parse(WWID_1));
        assertThat(att.path()).isEqualTo("/dev/disk/by-id/scsi-" + UDEV_1);
        assertThat(root.resolve(att.path().substring(1)).toRealPath())
                .isEqualTo(root.resolve("dev/" + att.devices().get(0).disk().name()).toRealPath());
        assertThat(att.devices()).singleElement().satisfies(p ->
                assertThat(p.via()).isEqualTo("host7 (21000024ff000007) -> 500601603b200001 (rport-7:0-0) LUN 1"));
        assertThat(att.failedPaths()).isEmpty();
    }

    @Test
    void multipathConnectScansTheLunOnEveryHbaAndTargetPortAndBuildsOneMap() throws Exception {
        Attached att = connector(true).connectMultipath(lun1BothTargets(), Identity.none());

        assertThat(fc.scanWrites()).containsExactly("host7: 0 0 1", "host8: 0 0 1", "host7: 0 1 1", "host8: 0 1 1");
        assertThat(fc.ls("sys/class/scsi_device")).containsExactly("7:0:0:1", "7:0:1:1", "8:0:0:1", "8:0:1:1");
        assertThat(att.map()).isPresent();
        assertThat(att.devices()).hasSize(4);
        assertThat(att.path()).isEqualTo("/dev/disk/by-id/dm-uuid-mpath-" + UDEV_1);
        assertThat(mpathd.wwids()).containsExactly(UDEV_1);
        assertThat(fc.ls("sys/block/" + att.map().get().name() + "/slaves")).hasSize(4);
    }

    @Test
    void aLunAbove255IsScannedWithItsKernelNumberInEveryAddressingMode() throws Exception {
        t1.lun(16684, WWID_300); // SAM2: flat space from 256, the kernel sees 300 + 0x4000
        connector(false).connectSingle(volume("\"target_wwn\": \"" + T1 + "\", \"target_lun\": 300"), Identity.none());
        connector(false).connectSingle(volume("\"target_wwn\": \"" + T1 + "\", \"target_lun\": 300,"
                + " \"addressing_mode\": \"SAM2\""), Identity.none());

        assertThat(fc.scanWrites()).containsExactly("host7: 0 0 300", "host7: 0 0 16684");
        assertThat(fc.ls("sys/class/scsi_device")).containsExactly("7:0:0:16684", "7:0:0:300");
        assertNoWildcard();
    }

    @Test
    void theInitiatorTargetMapLimitsWhichHbaScansWhichTargetPort() throws Exception {
        FcConnection c = volume("\"target_wwn\": [\"" + T1 + "\", \"" + T2 + "\"], \"target_lun\": 1,"
                + " \"initiator_target_map\": {\"" + HBA8 + "\": [\"" + T2 + "\"]}");

        Attached att = connector(true).connectMultipath(c, Identity.none());

        assertThat(fc.scanWrites()).containsExactly("host8: 0 1 1");
        assertThat(att.devices()).singleElement().satisfies(p -> assertThat(p.hctl().toString()).isEqualTo("8:0:1:1"));
        // T1 is reported as unreachable: no HBA the map allows may use it
        assertThat(att.failedPaths()).singleElement().asString().startsWith("target 500601603b200001 LUN 1: unreachable")
                .contains("host7 (21000024ff000007) is not mapped to it by initiator_target_map");
    }

    @Test
    void aTargetPortNoHbaSeesIsReportedNotReplacedByAWildcardScan() throws Exception {
        String other = "50:06:01:60:3b:20:00:99";
        FcConnection c = volume("\"target_wwn\": [\"" + other + "\", \"" + T2 + "\"], \"target_lun\": 1");

        Attached att = connector(false).connectSingle(c, Identity.none());

        assertThat(fc.scanWrites()).containsExactly("host7: 0 1 1");
        assertThat(att.failedPaths()).singleElement().asString()
                .isEqualTo("target 500601603b200099 LUN 1: unreachable (host7 does not see it; host8 does not see it)");
    }

    @Test
    void withNoReachableTargetPortNothingIsScannedAtAll() throws Exception {
        FcConnection c = volume("\"target_wwn\": \"50:06:01:60:3b:20:00:99\", \"target_lun\": 1");

        assertThatThrownBy(() -> connector(false).connectSingle(c, Identity.none()))
                .isInstanceOf(HostException.class)
                .hasMessageContaining("no online HBA of this host sees an online FCP target port")
                .hasMessageContaining("nothing was scanned");
        assertThat(fc.writes()).isEmpty();
    }

    @Test
    void anOfflineHbaAndABlockedRportAreNotScanned() throws Exception {
        fc.linkDown(7);

        Attached att = connector(false).connectSingle(lun1BothTargets(), Identity.none());

        assertThat(fc.scanWrites()).containsExactly("host8: 0 0 1");
        assertThat(att.devices().get(0).hctl().host()).isEqualTo(8);
    }

    @Test
    void anInitiatorOnlyRportIsNeverScanned() throws Exception {
        FcConnection c = volume("\"target_wwn\": \"21000024ff0000ff\", \"target_lun\": 1");

        assertThatThrownBy(() -> connector(false).connectSingle(c, Identity.none()))
                .hasMessageContaining("roles 'FCP Initiator', SCSI target id -1");
        assertThat(fc.writes()).isEmpty();
    }

    @Test
    void anExpectedWwnMismatchIsRefusedAndRemovesWhatWasScanned() throws Exception {
        FcConnection c = volume("\"target_wwn\": \"" + T1 + "\", \"target_lun\": 1, \"wwn\": \"" + WWID_0 + "\"");

        assertThatThrownBy(() -> connector(false).connectSingle(c, Identity.none()))
                .isInstanceOf(WwidMismatchException.class);
        assertThat(fc.scanWrites()).containsExactly("host7: 0 0 1");
        assertNothingLeft();
    }

    @Test
    void aMultipathAttachWhosePathsDisagreeRemovesEveryScannedDevice() throws Exception {
        t2.lun(1, WWID_300); // the second target port presents another LU as LUN 1

        assertThatThrownBy(() -> connector(true).connectMultipath(lun1BothTargets(), Identity.none()))
                .isInstanceOf(WwidMismatchException.class);
        assertThat(fc.scanWrites()).hasSize(4);
        assertNothingLeft();
        assertThat(fc.ls("sys/devices/virtual/block")).isEmpty();
    }

    @Test
    void aLunTheTargetDoesNotPresentFailsEveryPathAndLeavesNothing() throws Exception {
        FcConnection c = volume("\"target_wwn\": [\"" + T1 + "\", \"" + T2 + "\"], \"target_lun\": 7");

        assertThatThrownBy(() -> connector(false).connectSingle(c, Identity.none()))
                .isInstanceOf(HostException.class)
                .hasMessageContaining("LUN 7 is not presented to HBA 21000024ff000007 (host7) by target port 5006016");
        assertThat(fc.scanWrites()).containsExactly("host7: 0 0 7", "host8: 0 0 7", "host7: 0 1 7", "host8: 0 1 7");
        assertNothingLeft();
    }

    @Test
    void everyScanAndRemovalIsAJournaledStepAndAFailedScanIsRecordedFailed() throws Exception {
        FcConnector fcc = connector(true);
        FcConnection c = lun1BothTargets();
        RecordedSteps steps = new RecordedSteps();

        Attached att = fcc.connectMultipath(c, Identity.none(), steps);
        assertThat(steps.all()).containsExactly(
                "scan 7:0:0:1 via HBA 21000024ff000007 to 500601603b200001 done",
                "scan 8:0:0:1 via HBA 21000024ff000008 to 500601603b200001 done",
                "scan 7:0:1:1 via HBA 21000024ff000007 to 500601683b200001 done",
                "scan 8:0:1:1 via HBA 21000024ff000008 to 500601683b200001 done",
                "map " + UDEV_1 + " over [sdb, sdc, sdd, sde] done");

        steps.clear();
        fc.linkDown(7);
        fcc.disconnect(c, true, Optional.of(att.wwid()), steps);
        assertThat(steps.kinds()).containsExactly("unmap", "delete", "delete", "delete", "delete");
        assertThat(steps.all().get(0)).isEqualTo("unmap " + UDEV_1 + " (forced) done");

        steps.clear();
        FcConnection unpresented = volume("\"target_wwn\": \"" + T1 + "\", \"target_lun\": 7");
        assertThatThrownBy(() -> fcc.connectSingle(unpresented, Identity.none(), steps)).isInstanceOf(HostException.class);
        // host7's link is still down: only host8 is tried
        assertThat(steps.all()).containsExactly(
                "scan 8:0:0:7 via HBA 21000024ff000008 to 500601603b200001 failed", "delete 8:0:0:7 done");
    }

    @Test
    void hostileConnectionInfoIsRefusedBeforeAnythingIsWritten() {
        assertThatThrownBy(() -> volume("\"target_wwn\": [], \"target_lun\": 1"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("data.target_wwn");
        assertThatThrownBy(() -> volume("\"target_wwn\": \"../../../../etc/passwd\", \"target_lun\": 1"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("data.target_wwn");
        assertThatThrownBy(() -> volume("\"target_wwn\": \"" + T1 + "\", \"target_lun\": \"1 - -\""))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("data.target_lun");
        assertThatThrownBy(() -> volume("\"target_wwn\": \"" + T1 + "\", \"target_lun\": -1"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("data.target_lun");
        assertThatThrownBy(() -> volume("\"target_wwn\": \"" + T1 + "\", \"target_lun\": 1,"
                + " \"initiator_target_map\": {\"" + HBA7 + "\": [\"- - -\"]}"))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("initiator_target_map");
        assertThat(fc.writes()).isEmpty();
    }

    // ------------------------------------------------------------------ disconnect, extend, paths

    @Test
    void disconnectRemovesTheDevicesOfEveryPathOnEveryHba() throws Exception {
        FcConnector fcc = connector(true);
        FcConnection c = lun1BothTargets();
        Attached att = fcc.connectMultipath(c, Identity.none());
        // another volume (LUN 0) on the same target ports stays
        fcc.connectSingle(volume("\"target_wwn\": \"" + T1 + "\", \"target_lun\": 0"), Identity.none());

        Detached d = fcc.disconnect(c, false, Optional.of(att.wwid()));

        assertThat(d.clean()).isTrue();
        assertThat(d.errors()).isEmpty();
        assertThat(d.removed()).containsExactly("map " + UDEV_1, "device 7:0:0:1", "device 8:0:0:1", "device 7:0:1:1",
                "device 8:0:1:1");
        assertThat(fc.ls("sys/class/scsi_device")).containsExactly("7:0:0:0");
        assertThat(fc.ls("sys/devices/virtual/block")).isEmpty();
        assertThat(mpathd.wwids()).isEmpty();
        assertNoWildcard();
    }

    @Test
    void forcedDisconnectWithEveryLinkDownRemovesEverything() throws Exception {
        FcConnector fcc = connector(true);
        FcConnection c = lun1BothTargets();
        Attached att = fcc.connectMultipath(c, Identity.none());
        fc.linkDown(7);
        fc.linkDown(8);

        Detached d = fcc.disconnect(c, true, Optional.of(att.wwid()));

        assertThat(d.clean()).isTrue();
        assertThat(d.leftovers()).isEmpty();
        assertThat(d.removed()).contains("device 7:0:0:1", "device 7:0:1:1", "device 8:0:0:1", "device 8:0:1:1");
        assertNothingLeft();
        assertThat(fc.ls("sys/devices/virtual/block")).isEmpty();
    }

    @Test
    void disconnectWithoutForceRemovesNothingWhenTheFlushFails() throws Exception {
        FcConnector fcc = connector(false);
        FcConnection c = lun1BothTargets();
        Attached att = fcc.connectSingle(c, Identity.none());
        fc.failFlush(att.devices().get(0).disk().name());

        assertThatThrownBy(() -> fcc.disconnect(c, false, Optional.empty()))
                .isInstanceOf(HostException.class).hasMessageContaining("nothing was removed");
        assertThat(fc.ls("sys/class/scsi_device")).containsExactly("7:0:0:1");

        Detached forced = fcc.disconnect(c, true, Optional.empty());
        assertThat(forced.clean()).isTrue();
        assertThat(forced.errors()).singleElement().asString().contains("Input/output error");
        assertNothingLeft();
    }

    @Test
    void aSecondDisconnectIsAlreadyGone() throws Exception {
        FcConnector fcc = connector(false);
        FcConnection c = lun1BothTargets();
        fcc.connectSingle(c, Identity.none());
        assertThat(fcc.disconnect(c, false, Optional.empty()).alreadyGone()).isFalse();

        Detached again = fcc.disconnect(c, false, Optional.empty());

        assertThat(again.alreadyGone()).isTrue();
        assertThat(again.clean()).isTrue();
    }

    @Test
    void extendRescansEveryPathAndAnswersTheNewSize() throws Exception {
        FcConnector fcc = connector(false);
        FcConnection c = lun1BothTargets();
        fcc.connectSingle(c, Identity.none());
        t1.resize(1, 96L << 20);

        assertThat(fcc.extend(c)).isEqualTo(96L << 20);
        assertThat(fc.writes()).contains("/sys/class/scsi_device/7:0:0:1/device/rescan=1");
    }

    @Test
    void extendOfAVolumeNotAttachedIsNotFound() throws Exception {
        assertThatThrownBy(() -> connector(false).extend(lun1BothTargets()))
                .isInstanceOf(BrickException.class)
                .satisfies(e -> assertThat(((BrickException) e).code()).isEqualTo(BrickException.Code.NOT_FOUND));
    }

    @Test
    void volumePathsListsTheDevicesOnEveryHbaWithoutScanning() throws Exception {
        FcConnector fcc = connector(true);
        FcConnection c = lun1BothTargets();
        Attached att = fcc.connectMultipath(c, Identity.none());
        int writes = fc.scanWrites().size();

        List<String> paths = fcc.volumePaths(c);

        assertThat(paths).containsExactlyInAnyOrderElementsOf(
                att.devices().stream().map(p -> p.disk().devPath()).toList());
        assertThat(fc.scanWrites()).hasSize(writes);
    }
}
