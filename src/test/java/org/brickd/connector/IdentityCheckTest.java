package org.brickd.connector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.brickd.errors.BrickException;
import org.brickd.errors.WwidMismatchException;
import org.brickd.types.VolumeId;
import org.brickd.types.Wwid;
import org.junit.jupiter.api.Test;

/** I1 as a pure function: which live WWIDs pass, and what a refusal says. */
class IdentityCheckTest {

    static final VolumeId VOL = VolumeId.parse("aaaaaaaa-1111-4000-8000-000000000001");
    static final VolumeId OTHER = VolumeId.parse("bbbbbbbb-1111-4000-8000-000000000002");
    static final Wwid A = Wwid.parse("naa.6001405aaaaaaaa00004000800000000");
    static final Wwid B = Wwid.parse("naa.6001405bbbbbbbb00004000800000000");

    static Map<String, Wwid> paths(Object... labelAndWwid) {
        Map<String, Wwid> m = new LinkedHashMap<>();
        for (int i = 0; i < labelAndWwid.length; i += 2) {
            m.put((String) labelAndWwid[i], (Wwid) labelAndWwid[i + 1]);
        }
        return m;
    }

    @Test
    void answersTheLiveWwidWhenEveryCheckHolds() {
        Wwid verified = IdentityCheck.verify(VOL, paths("7:0:0:1 (sdb)", A, "8:0:0:1 (sdc)", A),
                Optional.of(Wwid.parse("36001405AAAAAAAA00004000800000000")), Optional.of(A), Map.of(B, OTHER, A, VOL));

        assertThat(verified).isEqualTo(A);
    }

    @Test
    void withNothingToCompareTheLiveWwidIsTheAnswer() {
        assertThat(IdentityCheck.verify(VOL, paths("7:0:0:1 (sdb)", B), Optional.empty(), Optional.empty(), Map.of()))
                .isEqualTo(B);
    }

    @Test
    void refusesWhenNoPathAnsweredAWwid() {
        assertThatThrownBy(() -> IdentityCheck.verify(VOL, Map.of(), Optional.of(A), Optional.empty(), Map.of()))
                .isInstanceOf(WwidMismatchException.class)
                .hasMessageContaining(VOL.toString())
                .hasMessageContaining("no path");
    }

    @Test
    void refusesPathsThatAnswerDifferentWwids() {
        assertThatThrownBy(() -> IdentityCheck.verify(VOL, paths("7:0:0:1 (sdb)", A, "8:0:0:1 (sdc)", B),
                Optional.empty(), Optional.empty(), Map.of()))
                .isInstanceOf(WwidMismatchException.class)
                .hasMessageContaining("7:0:0:1 (sdb)")
                .hasMessageContaining("8:0:0:1 (sdc)");
    }

    @Test
    void refusesALunThatIsNotTheOneConnectionInfoNames() {
        assertThatThrownBy(() -> IdentityCheck.verify(VOL, paths("7:0:0:1 (sdb)", A), Optional.of(B), Optional.empty(),
                Map.of()))
                .isInstanceOfSatisfying(BrickException.class,
                        e -> assertThat(e.code()).isEqualTo(BrickException.Code.WWID_MISMATCH))
                .hasMessageContaining(A.udev())
                .hasMessageContaining(B.udev())
                .hasMessageContaining("connection_info");
    }

    @Test
    void refusesALunWhoseWwidChangedSinceTheFirstAttach() {
        assertThatThrownBy(() -> IdentityCheck.verify(VOL, paths("7:0:0:1 (sdb)", A), Optional.empty(), Optional.of(B),
                Map.of()))
                .isInstanceOf(WwidMismatchException.class)
                .hasMessageContaining("first attach")
                .hasMessageContaining(B.udev());
    }

    @Test
    void refusesAWwidThatAnotherLiveAttachmentHolds() {
        assertThatThrownBy(() -> IdentityCheck.verify(VOL, paths("7:0:0:1 (sdb)", A), Optional.empty(), Optional.empty(),
                Map.of(A, OTHER)))
                .isInstanceOf(WwidMismatchException.class)
                .hasMessageContaining(OTHER.toString());
    }

    @Test
    void aT10IdMatchesAcrossTheKernelAndUdevForms() {
        // VPD 0x83 gives the kernel's form (spaces kept); drivers, udev and the ledger may hold udev's
        Wwid live = Wwid.parse("t10.LIO-ORG FILEIO:aaaaaaaa-0000");
        Wwid udev = Wwid.parse("1LIO-ORG_FILEIO:aaaaaaaa-0000");

        assertThat(IdentityCheck.verify(VOL, paths("7:0:0:1 (sdb)", live), Optional.of(udev), Optional.of(udev),
                Map.of())).isEqualTo(live);
        assertThatThrownBy(() -> IdentityCheck.verify(VOL, paths("7:0:0:1 (sdb)", live), Optional.empty(),
                Optional.empty(), Map.of(udev, OTHER)))
                .isInstanceOf(WwidMismatchException.class)
                .hasMessageContaining(OTHER.toString());
    }
}
