package org.brickd.multipath;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.brickd.multipath.MultipathdReplies.Outcome;
import org.brickd.types.BlockDevice;
import org.brickd.types.Hctl;
import org.brickd.types.Wwid;
import org.junit.jupiter.api.Test;

/** Replies recorded from multipathd 0.9.4 on the test bed (Debian 12), verbatim. */
class MultipathdRepliesTest {

    private static final String W = "360014051111111122224333844455555";

    @Test
    void commandOutcomes() {
        assertThat(MultipathdReplies.outcome("ok\n")).isEqualTo(Outcome.OK);
        // del map of an open map, del path / add path of an unknown device, resize of an unknown map
        assertThat(MultipathdReplies.outcome("fail\n")).isEqualTo(Outcome.FAIL);
        assertThat(MultipathdReplies.outcome("delayed\n")).isEqualTo(Outcome.DELAYED);
        assertThat(MultipathdReplies.outcome("timeout\n")).isEqualTo(Outcome.TIMEOUT);
        assertThat(MultipathdReplies.outcome("permission deny: need to be root\n")).isEqualTo(Outcome.DENIED);
        assertThat(MultipathdReplies.outcome("multipath-tools v0.9.4 (12/19, 2022)\nCLI commands reference:\n"))
                .isEqualTo(Outcome.OTHER);
    }

    @Test
    void pathsInAMap() {
        String reply = "sda|" + W + "|active|ready|running|" + W + "|6:0:0:1\n"
                + "sdb|" + W + "|active|ready|running|" + W + "|7:0:0:1\n";

        List<PathState> paths = MultipathdReplies.paths(reply);

        assertThat(paths).containsExactly(
                new PathState(BlockDevice.parse("sda"), java.util.Optional.of(Wwid.parse(W)), PathState.DmState.ACTIVE,
                        PathState.Checker.READY, true, java.util.Optional.of(W), java.util.Optional.of(Hctl.parse("6:0:0:1"))),
                new PathState(BlockDevice.parse("sdb"), java.util.Optional.of(Wwid.parse(W)), PathState.DmState.ACTIVE,
                        PathState.Checker.READY, true, java.util.Optional.of(W), java.util.Optional.of(Hctl.parse("7:0:0:1"))));
        assertThat(paths).allMatch(PathState::usable);
    }

    @Test
    void orphanPathsBeforeTheWwidIsAddedAndAfterTheMapIsFlushed() {
        String reply = "sda|" + W + "|undef|undef|unknown|[orphan]|6:0:0:1\n"
                + "sdb|" + W + "|undef|undef|unknown|[orphan]|7:0:0:1\n";

        List<PathState> paths = MultipathdReplies.paths(reply);

        assertThat(paths).hasSize(2).allSatisfy(p -> {
            assertThat(p.map()).isEmpty();
            assertThat(p.dm()).isEqualTo(PathState.DmState.UNDEF);
            assertThat(p.online()).isFalse();
            assertThat(p.usable()).isFalse();
        });
    }

    @Test
    void checkerStatesWithSpacesAndFailedPaths() {
        String reply = "sdc|" + W + "|failed|i/o pending|running|" + W + "|8:0:0:1\n"
                + "sdd|" + W + "|failed|faulty|offline|" + W + "|9:0:0:1\n";

        List<PathState> paths = MultipathdReplies.paths(reply);

        assertThat(paths).extracting(PathState::checker).containsExactly(PathState.Checker.PENDING, PathState.Checker.FAULTY);
        assertThat(paths).extracting(PathState::online).containsExactly(true, false);
    }

    @Test
    void noPathsOrNoMapsIsOk() {
        // a listing with no rows: multipathd's listener answers "ok"
        assertThat(MultipathdReplies.paths("ok\n")).isEmpty();
        assertThat(MultipathdReplies.maps("ok\n")).isEmpty();
    }

    @Test
    void maps() {
        List<MapState> maps = MultipathdReplies.maps(W + "|" + W + "|dm-0|2|12 chk\n");

        assertThat(maps).singleElement().satisfies(m -> {
            assertThat(m.name()).isEqualTo(W);
            assertThat(m.wwid()).contains(Wwid.parse(W));
            assertThat(m.device()).contains(BlockDevice.parse("dm-0"));
            assertThat(m.paths()).isEqualTo(2);
            assertThat(m.queueing()).isEqualTo("12 chk");
        });
    }

    @Test
    void paddedFieldsOfShowMapAreTrimmed() {
        // "show map X raw format" pads columns, "show maps raw format" does not
        List<MapState> maps = MultipathdReplies.maps(W + "|" + W + "|dm-0 |2    |12 chk  \n");

        assertThat(maps).singleElement().extracting(MapState::paths, MapState::queueing).containsExactly(2, "12 chk");
    }

    @Test
    void aFailOrAnUnreadableListingIsAnErrorNamingTheCommand() {
        assertThatThrownBy(() -> MultipathdReplies.paths("fail\n"))
                .isInstanceOf(MultipathdException.class).hasMessageContaining("show paths raw format");
        assertThatThrownBy(() -> MultipathdReplies.paths("multipath-tools v0.9.4 (12/19, 2022)\nCLI commands reference:\n"))
                .isInstanceOf(MultipathdException.class).hasMessageContaining("fields");
    }

    @Test
    void nonScsiPathsAreLeftOut() {
        String reply = "nvme0n1|eui.0025388b71b2d3e4|active|ready|running|mpatha|#:#:#:#\n"
                + "sda|" + W + "|active|ready|running|" + W + "|6:0:0:1\n";

        assertThat(MultipathdReplies.paths(reply)).extracting(p -> p.device().name()).containsExactly("sda");
    }
}
