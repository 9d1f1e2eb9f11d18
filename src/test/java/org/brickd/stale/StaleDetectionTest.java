package org.brickd.stale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import org.brickd.daemon.StaleTimer;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.brickd.connector.ConnectionInfo;
import org.brickd.connector.KeyedLocks;
import org.brickd.errors.WwidMismatchException;
import org.brickd.host.Uevents;
import org.brickd.iscsi.IscsiConnectorTest;
import org.brickd.ledger.Attachment;
import org.brickd.ledger.Ledger;
import org.brickd.multipath.DmMaps;
import org.brickd.rpc.ConnectionInfoJson;
import org.brickd.rpc.Redaction;
import org.brickd.scsi.ScsiDevices;
import org.brickd.scsi.ScsiOps;
import org.brickd.scsi.WwidProbe;
import org.brickd.service.ConnectRequest;
import org.brickd.service.ConnectResult;
import org.brickd.service.DisconnectResult;
import org.brickd.service.VolumeService;
import org.brickd.stale.Finding.Action;
import org.brickd.stale.Finding.Kind;
import org.brickd.testing.FakeIscsi;
import org.brickd.types.Hctl;
import org.brickd.types.InstanceId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stale detection, cleanup and fencing over a fake iSCSI host: volumes attached through the
 * real service, then the target changed behind them the way an array does (LUN unmapped,
 * LUN number reused), and the host tree checked afterwards as an operator would.
 */
class StaleDetectionTest {

    static final String IQN = "iqn.2003-01.org.linux-iscsi.testbed:tgt1";
    static final String VOL_A = "aaaaaaaa-1111-4000-8000-000000000001";
    static final String VOL_B = "bbbbbbbb-1111-4000-8000-000000000002";
    static final String WWID_A = "naa.6001405aaaaaaaa00004000800000000";
    static final String WWID_B = "naa.6001405bbbbbbbb00004000800000000";
    static final String WWID_X = "naa.6001405cccccccc00004000800000000";
    static final String INSTANCE = "11111111-2222-4333-8444-555555555555";

    @TempDir
    Path root;
    @TempDir
    Path state;

    private final Uevents uevents = new Uevents(null, Duration.ofMillis(5));
    private FakeIscsi.Target target;
    private FakeIscsi host;
    private Ledger ledger;
    private VolumeService service;
    private StaleService stale;

    @BeforeEach
    void setUp() {
        target = FakeIscsi.target(IQN).portal("127.0.0.1:3260").lun(1, WWID_A).lun(2, WWID_B);
        host = new FakeIscsi(root, target);
        ledger = Ledger.open(state);
        WwidProbe probe = new WwidProbe(host.devfs(), host.nat(), Duration.ofSeconds(1));
        ScsiOps scsi = new ScsiOps(host.sysfs(), host.devfs(), host.nat(), uevents);
        ScsiDevices devices = new ScsiDevices(host.sysfs());
        DmMaps maps = new DmMaps(host.sysfs());
        KeyedLocks locks = new KeyedLocks(Duration.ofSeconds(2));
        Fencer fencer = new Fencer(devices, probe, scsi, null, maps, ledger, Duration.ofSeconds(1));
        service = new VolumeService(ledger, IscsiConnectorTest.connector(host, uevents), Optional.empty(), probe, locks,
                Optional.of(new VolumeService.Fencing(fencer, ConnectionInfoJson::parseRecorded)));
        stale = new StaleService(new HostScanner(host.sysfs(), devices, probe, maps, ledger),
                new StaleCleaner(scsi, null, maps, ledger, fencer, locks, Duration.ofSeconds(1), StaleCleaner.Watch.NONE),
                StaleClassifier.Policy.reportUnowned(), service::inFlight);
    }

    @AfterEach
    void tearDown() {
        ledger.close();
        uevents.close();
    }

    private static JsonNode json(String vol, int lun) throws Exception {
        return new ObjectMapper().readTree("""
                {"driver_volume_type": "iscsi", "serial": "%s",
                 "data": {"target_portal": "127.0.0.1:3260", "target_iqn": "%s", "target_lun": %d,
                          "auth_method": "CHAP", "auth_username": "u", "auth_password": "secret-pw"}}
                """.formatted(vol, IQN, lun));
    }

    private ConnectResult attach(String vol, int lun) throws Exception {
        JsonNode ci = json(vol, lun);
        return service.connect(new ConnectRequest(ConnectionInfoJson.parse(ci), Redaction.redact(ci).toString(),
                Optional.of(InstanceId.parse(INSTANCE)), false, false));
    }

    private static ConnectionInfo ci(String vol, int lun) throws Exception {
        return ConnectionInfoJson.parse(json(vol, lun));
    }

    @Test
    void aHealthyAttachmentYieldsNoFinding() throws Exception {
        attach(VOL_A, 1);

        assertThat(stale.find(true)).isEmpty();
    }

    @Test
    void aReusedLunUnderALiveAttachmentIsDriftAndCleanupFencesIt() throws Exception {
        attach(VOL_A, 1);
        target.swap(1, WWID_X); // the array unmapped A and mapped another volume at the same LUN number

        List<Finding> found = stale.find(false);

        assertThat(found).singleElement().satisfies(f -> {
            assertThat(f.kind()).isEqualTo(Kind.DRIFT);
            assertThat(f.action()).isEqualTo(Action.FENCE);
            assertThat(f.device()).contains("/dev/sdb");
            assertThat(f.volumeId()).map(Object::toString).contains(VOL_A);
            assertThat(f.wwidRecorded()).map(w -> w.udev()).contains("3" + WWID_A.substring(4));
            assertThat(f.wwidNow()).map(w -> w.udev()).contains("3" + WWID_X.substring(4));
        });

        StaleService.Cleanup c = stale.cleanup(false, false);

        assertThat(c.clean()).isTrue();
        assertThat(host.ls("sys/class/scsi_device")).isEmpty();
        assertThat(ledger.attachments(ci(VOL_A, 1).volumeId())).singleElement()
                .satisfies(a -> assertThat(a.state()).isEqualTo("fenced"))
                .satisfies(a -> assertThat(a.note()).get().asString().contains(WWID_A.substring(4))
                        .contains(WWID_X.substring(4)));
        assertThat(stale.find(true)).isEmpty();

        DisconnectResult d = service.disconnect(ci(VOL_A, 1), Optional.of(InstanceId.parse(INSTANCE)), false, false);
        assertThat(d.fenced()).isTrue();
        assertThat(d.clean()).isTrue();
        assertThat(ledger.allAttachments()).isEmpty();
    }

    @Test
    void aConnectOnAReusedLunFencesTheOldAttachmentAndGetsAFreshVerifiedDevice() throws Exception {
        ConnectResult a = attach(VOL_A, 1);
        assertThat(a.path()).endsWith(WWID_A.substring(4));
        target.swap(1, WWID_B); // volume B is now exported at A's old LUN number

        ConnectResult b = attach(VOL_B, 1);

        assertThat(b.path()).endsWith(WWID_B.substring(4));
        assertThat(b.wwid().udev()).isEqualTo("3" + WWID_B.substring(4));
        assertThat(host.devfs().exists(a.path().substring("/dev/".length()))).as("A's handed-out path").isFalse();
        assertThat(ledger.attachments(ci(VOL_A, 1).volumeId())).singleElement()
                .satisfies(x -> assertThat(x.fenced()).isTrue());
        assertThat(ledger.attachments(ci(VOL_B, 1).volumeId())).singleElement()
                .satisfies(x -> assertThat(x.fenced()).isFalse());

        // the fenced volume's detach succeeds and does not touch B's device
        DisconnectResult d = service.disconnect(ci(VOL_A, 1), Optional.of(InstanceId.parse(INSTANCE)), false, false);
        assertThat(d.fenced()).isTrue();
        assertThat(host.ls("sys/class/scsi_device")).hasSize(1);
        assertThat(host.devfs().exists(b.path().substring("/dev/".length()))).isTrue();
        assertThat(stale.find(true)).isEmpty();
    }

    @Test
    void aConnectNamingALunThatStillAnswersAsAnotherLiveVolumeIsRefusedAndTouchesNothing() throws Exception {
        attach(VOL_A, 1);
        List<String> before = host.ls("sys/class/scsi_device");

        assertThatThrownBy(() -> attach(VOL_B, 1)).isInstanceOf(WwidMismatchException.class)
                .hasMessageContaining(VOL_A);

        assertThat(host.ls("sys/class/scsi_device")).isEqualTo(before);
        assertThat(ledger.attachments(ci(VOL_A, 1).volumeId())).singleElement()
                .satisfies(x -> assertThat(x.fenced()).isFalse());
    }

    @Test
    void anUnmappedLunIsStaleAndCleanupRemovesItsDevice() throws Exception {
        attach(VOL_A, 1);
        target.unmap(1);

        assertThat(stale.find(false)).singleElement().satisfies(f -> {
            assertThat(f.kind()).isEqualTo(Kind.STALE);
            assertThat(f.action()).isEqualTo(Action.REMOVE_DEVICE);
            assertThat(f.hctl()).isPresent();
            assertThat(f.reason()).contains("no LUN");
        });

        StaleService.Cleanup dry = stale.cleanup(true, false);
        assertThat(dry.plan()).hasSize(1);
        assertThat(dry.outcomes()).isEmpty();
        assertThat(host.ls("sys/class/scsi_device")).hasSize(1);

        assertThat(stale.cleanup(false, false).clean()).isTrue();
        assertThat(host.ls("sys/class/scsi_device")).isEmpty();
    }

    @Test
    void theScanTimerOnlyReportsUnlessConfiguredToRemove() throws Exception {
        attach(VOL_A, 1);
        target.unmap(1);

        try (StaleTimer t = new StaleTimer(stale, Duration.ofMillis(10), false)) {
            uevents.await("three report-only scans", () -> t.scans() >= 3, Duration.ofSeconds(10));
        }
        assertThat(host.ls("sys/class/scsi_device")).as("stale_cleanup_on_timer off: reported, not removed").hasSize(1);

        try (StaleTimer t = new StaleTimer(stale, Duration.ofMillis(10), true)) {
            uevents.await("the timer removing the stale device", () -> host.ls("sys/class/scsi_device").isEmpty(),
                    Duration.ofSeconds(10));
        }
    }

    @Test
    void aDeviceNobodyOwnsIsReportedAndRemovedOnlyWhenAsked() throws Exception {
        attach(VOL_A, 1);
        String scsiHost = host.ls("sys/class/scsi_host").get(0);
        host.sysfs().write("class/scsi_host/" + scsiHost + "/scan", "0 0 2"); // someone else scanned LUN 2

        assertThat(stale.find(false)).singleElement().satisfies(f -> {
            assertThat(f.kind()).isEqualTo(Kind.UNOWNED);
            assertThat(f.action()).isEqualTo(Action.REPORT);
            assertThat(f.volumeId()).isEmpty();
        });
        assertThat(stale.cleanup(false, false).clean()).isTrue();
        assertThat(host.ls("sys/class/scsi_device")).hasSize(2);

        assertThat(stale.find(true)).singleElement()
                .satisfies(f -> assertThat(f.action()).isEqualTo(Action.REMOVE_DEVICE));
        assertThat(stale.cleanup(false, true).clean()).isTrue();
        assertThat(host.ls("sys/class/scsi_device")).singleElement().asString().endsWith(":1");
    }

    @Test
    void anUnownedDeviceTheMidlayerSetOfflineIsStale() throws Exception {
        attach(VOL_A, 1);
        String scsiHost = host.ls("sys/class/scsi_host").get(0);
        host.sysfs().write("class/scsi_host/" + scsiHost + "/scan", "0 0 2");
        String lun2 = host.ls("sys/class/scsi_device").stream().filter(h -> h.endsWith(":2")).findFirst().orElseThrow();
        host.host().state(lun2, "transport-offline");

        assertThat(stale.find(false)).singleElement().satisfies(f -> {
            assertThat(f.kind()).isEqualTo(Kind.STALE);
            assertThat(f.hctl()).contains(lun2);
            assertThat(f.action()).isEqualTo(Action.REMOVE_DEVICE);
        });
    }

    @Test
    void localDisksAndExcludedDevicesAreNeverClassified() throws Exception {
        host.host().scsiDisk("0:0:0:0", "sda", "ATA", "LOCAL", null); // not below an iSCSI session
        attach(VOL_A, 1);
        target.unmap(1);
        Snapshot s = new HostScanner(host.sysfs(), new ScsiDevices(host.sysfs()),
                new WwidProbe(host.devfs(), host.nat(), Duration.ofSeconds(1)), new DmMaps(host.sysfs()), ledger)
                .snapshot();

        assertThat(s.devices()).hasSize(2);
        assertThat(StaleClassifier.classify(s, StaleClassifier.Policy.reportUnowned())).singleElement()
                .satisfies(f -> assertThat(f.device()).contains("/dev/sdb"));
        assertThat(StaleClassifier.classify(s, new StaleClassifier.Policy(true, Set.of("sdb")))).isEmpty();
    }

    @Test
    void whileAVolumeOperationRunsOrphansAndUnownedDevicesAreOnlyReported() throws Exception {
        attach(VOL_A, 1);
        String scsiHost = host.ls("sys/class/scsi_host").get(0);
        host.sysfs().write("class/scsi_host/" + scsiHost + "/scan", "0 0 2");
        StaleService busy = new StaleService(new HostScanner(host.sysfs(), new ScsiDevices(host.sysfs()),
                new WwidProbe(host.devfs(), host.nat(), Duration.ofSeconds(1)), new DmMaps(host.sysfs()), ledger),
                new StaleCleaner(new ScsiOps(host.sysfs(), host.devfs(), host.nat(), uevents), null,
                        new DmMaps(host.sysfs()), ledger, null, new KeyedLocks(Duration.ofSeconds(1)),
                        Duration.ofSeconds(1), StaleCleaner.Watch.NONE),
                new StaleClassifier.Policy(true, Set.of()), () -> 1);

        StaleService.Cleanup c = busy.cleanup(false, true);

        assertThat(c.plan()).singleElement().satisfies(f -> {
            assertThat(f.action()).isEqualTo(Action.REPORT);
            assertThat(f.reason()).contains("in progress");
        });
        assertThat(host.ls("sys/class/scsi_device")).hasSize(2);
    }

    @Test
    void theLedgerMarksAFencedAttachmentWithBothWwids() throws Exception {
        attach(VOL_A, 1);
        target.swap(1, WWID_X);
        Attachment a = ledger.allAttachments().get(0);
        Hctl h = Hctl.parse(a.devices().get(0).substring(0, a.devices().get(0).indexOf('=')));

        stale.cleanup(false, false);

        assertThat(host.ls("sys/class/scsi_device")).doesNotContain(h.toString());
        assertThat(ledger.allAttachments()).singleElement().satisfies(x -> {
            assertThat(x.fenced()).isTrue();
            assertThat(x.note()).get().asString().startsWith("fenced: LUN reused");
        });
    }
}
