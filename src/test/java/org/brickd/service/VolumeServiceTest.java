package org.brickd.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.brickd.connector.ConnectionInfo;
import org.brickd.connector.KeyedLocks;
import org.brickd.errors.BrickException;
import org.brickd.errors.WwidMismatchException;
import org.brickd.host.Uevents;
import org.brickd.iscsi.IscsiConnector;
import org.brickd.iscsi.IscsiConnectorTest;
import org.brickd.ledger.Ledger;
import org.brickd.rpc.ConnectionInfoJson;
import org.brickd.scsi.WwidProbe;
import org.brickd.testing.FakeIscsi;
import org.brickd.types.InstanceId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The volume service over a fake iSCSI host and a real SQLite ledger. */
class VolumeServiceTest {

    static final String IQN = "iqn.2003-01.org.linux-iscsi.testbed:tgt1";
    static final String VOL = "aaaaaaaa-1111-4000-8000-000000000001";
    static final String VOL_B = "bbbbbbbb-1111-4000-8000-000000000002";
    static final String WWID_A = "naa.6001405aaaaaaaa00004000800000000";
    static final String WWID_B = "naa.6001405bbbbbbbb00004000800000000";
    static final String I1 = "11111111-2222-4333-8444-555555555555";
    static final String I2 = "66666666-7777-4888-8999-aaaaaaaaaaaa";

    @TempDir
    Path root;
    @TempDir
    Path state;

    private final Uevents uevents = new Uevents(null, Duration.ofMillis(5));
    private FakeIscsi.Target target;
    private FakeIscsi host;
    private Ledger ledger;
    private VolumeService service;

    @BeforeEach
    void setUp() {
        target = FakeIscsi.target(IQN).portal("127.0.0.1:3260").lun(1, WWID_A).lun(2, WWID_B);
        host = new FakeIscsi(root, target);
        ledger = Ledger.open(state);
        IscsiConnector iscsi = IscsiConnectorTest.connector(host, uevents);
        service = new VolumeService(ledger, iscsi, new WwidProbe(host.devfs(), host.nat(), Duration.ofSeconds(1)),
                new KeyedLocks(Duration.ofSeconds(2)));
    }

    @AfterEach
    void tearDown() {
        ledger.close();
        uevents.close();
    }

    static ConnectionInfo ci(String vol, int lun) throws Exception {
        return ConnectionInfoJson.parse(new ObjectMapper().readTree("""
                {"driver_volume_type": "iscsi", "serial": "%s",
                 "data": {"target_portal": "127.0.0.1:3260", "target_iqn": "%s", "target_lun": %d, "auth_password": "pw"}}
                """.formatted(vol, IQN, lun)));
    }

    static ConnectRequest req(ConnectionInfo ci, String instance, boolean multipath, boolean enforce) {
        return new ConnectRequest(ci, "{}", Optional.ofNullable(instance).map(InstanceId::parse), multipath, enforce);
    }

    @Test
    void attachIsRecordedAndDetachForgetsIt() throws Exception {
        ConnectionInfo a = ci(VOL, 1);

        ConnectResult r = service.connect(req(a, I1, false, false));

        assertThat(r.path()).isEqualTo("/dev/disk/by-id/scsi-36001405aaaaaaaa00004000800000000");
        assertThat(ledger.attachments(a.volumeId())).singleElement()
                .satisfies(x -> assertThat(x.devices()).singleElement().asString().endsWith("7:0:0:1=sdb"));
        assertThat(ledger.openIntents()).isEmpty();

        DisconnectResult d = service.disconnect(a, Optional.of(InstanceId.parse(I1)), false, false);

        assertThat(d.clean()).isTrue();
        assertThat(ledger.allAttachments()).isEmpty();
        assertThat(host.ls("sys/class/iscsi_session")).isEmpty();
    }

    @Test
    void aSecondInstanceSharesTheDeviceAndOnlyTheLastDetachRemovesIt() throws Exception {
        ConnectionInfo a = ci(VOL, 1);
        ConnectResult first = service.connect(req(a, I1, false, false));
        ConnectResult second = service.connect(req(a, I2, false, false));

        assertThat(second.path()).isEqualTo(first.path());
        assertThat(second.reused()).isTrue();
        assertThat(ledger.attachments(a.volumeId())).hasSize(2);

        DisconnectResult d1 = service.disconnect(a, Optional.of(InstanceId.parse(I1)), false, false);
        assertThat(d1.stillUsedBy()).containsExactly(I2);
        assertThat(d1.removed()).isEmpty();
        assertThat(host.ls("sys/class/scsi_device")).hasSize(1);

        DisconnectResult d2 = service.disconnect(a, Optional.of(InstanceId.parse(I2)), false, false);
        assertThat(d2.removed()).isNotEmpty();
        assertThat(host.ls("sys/class/scsi_device")).isEmpty();
    }

    @Test
    void reuseRefusesADeviceWhoseLunWasSwapped() throws Exception {
        ConnectionInfo a = ci(VOL, 1);
        service.connect(req(a, I1, false, false));
        target.swap(1, "naa.6001405cccccccc00004000800000000");

        assertThatThrownBy(() -> service.connect(req(a, I2, false, false)))
                .isInstanceOf(WwidMismatchException.class)
                .hasMessageContaining("36001405cccccccc00004000800000000")
                .hasMessageContaining("36001405aaaaaaaa00004000800000000");
        assertThat(ledger.attachments(a.volumeId())).hasSize(1);
    }

    @Test
    void anotherVolumeCannotBeHandedAnAttachedVolumesLun() throws Exception {
        service.connect(req(ci(VOL, 1), I1, false, false));

        // a second volume id whose connection_info points at the same LUN (a mis-mapping on the array)
        assertThatThrownBy(() -> service.connect(req(ci(VOL_B, 1), I1, false, false)))
                .isInstanceOf(WwidMismatchException.class)
                .hasMessageContaining("belongs to the live attachment of volume " + VOL);
        assertThat(host.ls("sys/class/scsi_device")).hasSize(1);
    }

    @Test
    void enforcedMultipathWithoutMultipathdIsRefusedAndPlainMultipathFallsBackToOnePath() throws Exception {
        assertThatThrownBy(() -> service.connect(req(ci(VOL, 1), I1, true, true)))
                .isInstanceOf(BrickException.class)
                .hasMessageContaining("enforce_multipath");
        assertThat(host.ls("sys/class/iscsi_session")).isEmpty();

        ConnectResult r = service.connect(req(ci(VOL, 1), I1, true, false));
        assertThat(r.multipathId()).isEmpty();
        assertThat(r.path()).startsWith("/dev/disk/by-id/scsi-");
    }

    @Test
    void aFailedFlushWithoutForceIsAnErrorAndKeepsTheAttachment() throws Exception {
        ConnectionInfo a = ci(VOL, 1);
        service.connect(req(a, I1, false, false));
        host.failFlush(org.brickd.types.BlockDevice.parse("sdb"));

        assertThatThrownBy(() -> service.disconnect(a, Optional.empty(), false, false))
                .isInstanceOf(BrickException.class)
                .hasMessageContaining("flushing sdb");
        assertThat(ledger.attachments(a.volumeId())).hasSize(1);
        assertThat(host.ls("sys/class/scsi_device")).hasSize(1);

        DisconnectResult forced = service.disconnect(a, Optional.empty(), true, false);
        assertThat(forced.clean()).isTrue();
        assertThat(forced.errors()).singleElement().asString().contains("flush sdb");
        assertThat(ledger.attachments(a.volumeId())).isEmpty();
    }

    @Test
    void aDetachOfSomethingNotAttachedSucceedsAndSaysSo() throws Exception {
        DisconnectResult d = service.disconnect(ci(VOL, 1), Optional.empty(), false, false);

        assertThat(d.clean()).isTrue();
        assertThat(d.alreadyGone()).isTrue();
    }
}
