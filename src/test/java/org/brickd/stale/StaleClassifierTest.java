package org.brickd.stale;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.brickd.ledger.Attachment;
import org.brickd.multipath.DmMap;
import org.brickd.stale.DeviceFacts.Live;
import org.brickd.stale.DeviceFacts.Transport;
import org.brickd.stale.Finding.Action;
import org.brickd.stale.Finding.Kind;
import org.brickd.types.BlockDevice;
import org.brickd.types.Hctl;
import org.brickd.types.VolumeId;
import org.brickd.types.Wwid;
import org.junit.jupiter.api.Test;

/**
 * The classifier's map rules and multipath drift, as a pure function over snapshots shaped
 * like what HostScanner reads from a multipath host (StaleDetectionTest covers single
 * devices over the fake iSCSI host).
 */
class StaleClassifierTest {

    static final Wwid A = Wwid.parse("36001405aaaaaaaa00004000800000000");
    static final Wwid X = Wwid.parse("36001405cccccccc00004000800000000");
    static final VolumeId VOL = VolumeId.parse("aaaaaaaa-1111-4000-8000-000000000001");

    private static DeviceFacts path(String hctl, String sd, Wwid answers, String map) {
        return new DeviceFacts(Hctl.parse(hctl), Optional.of(BlockDevice.parse(sd)), Transport.ISCSI, "running",
                Optional.of(A), Live.present(Optional.of(answers)), Optional.ofNullable(map));
    }

    private static DmMap map(String dm, String name, Wwid wwid, String... slaves) {
        return new DmMap(BlockDevice.parse(dm), name, Optional.of(wwid),
                java.util.Arrays.stream(slaves).map(BlockDevice::parse).toList(), List.of(), false, OptionalInt.of(0));
    }

    private static Attachment attached(String dm, String... devices) {
        return new Attachment(VOL, "", "iscsi", A, "/dev/disk/by-id/dm-uuid-mpath-" + A.udev(), Optional.of(dm),
                List.of(devices), "{}", false, "attached", Optional.empty(), Instant.now());
    }

    @Test
    void anOwnedMultipathVolumeYieldsNothing() {
        Snapshot s = new Snapshot(List.of(path("7:0:0:1", "sdb", A, "mpatha"), path("8:0:0:1", "sdc", A, "mpatha")),
                List.of(map("dm-0", "mpatha", A, "sdb", "sdc")), List.of(attached("dm-0", "7:0:0:1=sdb", "8:0:0:1=sdc")));

        assertThat(StaleClassifier.classify(s, StaleClassifier.Policy.reportUnowned())).isEmpty();
    }

    @Test
    void aMapWithNoPathIsAnOrphan() {
        Snapshot s = new Snapshot(List.of(), List.of(map("dm-3", "mpathz", X)), List.of());

        assertThat(StaleClassifier.classify(s, StaleClassifier.Policy.reportUnowned())).singleElement().satisfies(f -> {
            assertThat(f.kind()).isEqualTo(Kind.ORPHAN);
            assertThat(f.map()).contains("mpathz");
            assertThat(f.action()).isEqualTo(Action.REMOVE_MAP);
        });
    }

    @Test
    void aMapWhosePathsNobodyOwnsIsAnOrphanAndItsPathsGoWithIt() {
        Snapshot s = new Snapshot(List.of(path("7:0:0:4", "sdd", X, "mpathy")), List.of(map("dm-4", "mpathy", X, "sdd")),
                List.of());

        List<Finding> found = StaleClassifier.classify(s, StaleClassifier.Policy.reportUnowned());

        assertThat(found).extracting(Finding::kind, Finding::action).containsExactly(
                org.assertj.core.groups.Tuple.tuple(Kind.ORPHAN, Action.REMOVE_MAP),
                org.assertj.core.groups.Tuple.tuple(Kind.UNOWNED, Action.REMOVE_DEVICE));
    }

    @Test
    void anUnrecordedMapOverAnOwnedPathIsReportedNotRemoved() {
        Snapshot s = new Snapshot(List.of(path("7:0:0:1", "sdb", A, "mpathq")), List.of(map("dm-5", "mpathq", X, "sdb")),
                List.of(attached("dm-9", "7:0:0:1=sdb")));

        assertThat(StaleClassifier.classify(s, StaleClassifier.Policy.reportUnowned())).singleElement().satisfies(f -> {
            assertThat(f.kind()).isEqualTo(Kind.UNOWNED);
            assertThat(f.action()).isEqualTo(Action.REPORT);
        });
    }

    @Test
    void everyPathOfAReusedMultipathLunIsDriftAndFencesTheAttachment() {
        Snapshot s = new Snapshot(List.of(path("7:0:0:1", "sdb", X, "mpatha"), path("8:0:0:1", "sdc", X, "mpatha")),
                List.of(map("dm-0", "mpatha", A, "sdb", "sdc")), List.of(attached("dm-0", "7:0:0:1=sdb", "8:0:0:1=sdc")));

        assertThat(StaleClassifier.classify(s, StaleClassifier.Policy.reportUnowned())).hasSize(2).allSatisfy(f -> {
            assertThat(f.kind()).isEqualTo(Kind.DRIFT);
            assertThat(f.action()).isEqualTo(Action.FENCE);
            assertThat(f.map()).contains("mpatha");
            assertThat(f.wwidRecorded()).contains(A);
            assertThat(f.wwidNow()).contains(X);
        });
    }

    @Test
    void anExcludedMapIsNeverTouched() {
        Snapshot s = new Snapshot(List.of(), List.of(map("dm-3", "mpathz", X)), List.of());

        assertThat(StaleClassifier.classify(s, new StaleClassifier.Policy(true, Set.of("mpathz")))).isEmpty();
        assertThat(StaleClassifier.classify(s, new StaleClassifier.Policy(true, Set.of(X.udev())))).isEmpty();
    }
}
