package org.brickd.multipath;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.brickd.errors.BrickException;
import org.brickd.errors.DeadlineException;
import org.brickd.errors.HostException;
import org.brickd.host.Uevents;
import org.brickd.testing.FakeHost;
import org.brickd.types.BlockDevice;
import org.brickd.types.Wwid;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Multipath against a fake multipathd and device-mapper that change a fake sysfs the way the
 * real ones change the kernel's; assertions are on the resulting maps.
 */
class MultipathTest {

    private static final String W = "360014051111111122224333844455555";
    private static final Wwid WWID = Wwid.parse("naa." + W.substring(1));
    private static final BlockDevice SDA = BlockDevice.parse("sda");
    private static final BlockDevice SDB = BlockDevice.parse("sdb");
    private static final Duration SHORT = Duration.ofMillis(300);

    @TempDir
    Path root;
    private FakeHost host;
    private FakeDevMapper dm;
    private FakeMultipathd mpathd;
    private Uevents uevents;
    private Multipath mp;

    @BeforeEach
    void host() {
        host = new FakeHost(root);
        host.scsiDisk("6:0:0:1", "sda", "LIO-ORG", "FILEIO", "naa." + W.substring(1));
        host.scsiDisk("7:0:0:1", "sdb", "LIO-ORG", "FILEIO", "naa." + W.substring(1));
        host.udevProcessed("sda", "8:0", W);
        host.udevProcessed("sdb", "8:16", W);
        dm = new FakeDevMapper(host);
        mpathd = new FakeMultipathd(host, dm);
        uevents = new Uevents(null, Duration.ofMillis(10));
        mp = new Multipath(mpathd, mpathd, dm, host.sysfs(), host.devfs(), uevents,
                new Multipath.Settings(Duration.ofSeconds(5), Duration.ofSeconds(1), Duration.ofMillis(200)));
    }

    @AfterEach
    void close() {
        uevents.close();
    }

    private DmMap attached() {
        mp.addWwid(WWID);
        mp.addPath(SDA);
        mp.addPath(SDB);
        return mp.awaitMap(WWID, Set.of(SDA, SDB), SHORT);
    }

    @Test
    void addingTheWwidAndBothPathsGivesOneMapOverBoth() {
        DmMap m = attached();

        assertThat(m.slaves()).containsExactly(SDA, SDB);
        assertThat(m.wwid()).contains(WWID);
        assertThat(host.exists("dev/" + m.device().name())).isTrue();
        // the wwids file gets the udev form, the one multipath matches paths with
        assertThat(mpathd.wwids()).containsExactly(W);
        assertThat(mp.pathStates()).allSatisfy(p -> {
            assertThat(p.map()).contains(W);
            assertThat(p.usable()).isTrue();
        });
        assertThat(mp.mapStates()).singleElement().satisfies(s -> assertThat(s.paths()).isEqualTo(2));
    }

    @Test
    void withoutTheWwidStrictModeMakesNoMapAndTheWaitSaysWhatItSaw() {
        mp.addPath(SDA);
        mp.addPath(SDB);

        assertThatThrownBy(() -> mp.awaitMap(WWID, Set.of(SDA, SDB), SHORT))
                .isInstanceOf(DeadlineException.class)
                .hasMessageContaining(W)
                .hasMessageContaining("no map exists")
                .hasMessageContaining("sda undef/undef in no map")
                .hasMessageContaining("multipath -a");
    }

    @Test
    void theWaitIsForEveryPathNotJustTheMap() {
        mp.addWwid(WWID);
        mp.addPath(SDA);

        assertThatThrownBy(() -> mp.awaitMap(WWID, Set.of(SDA, SDB), SHORT))
                .isInstanceOf(DeadlineException.class)
                .hasMessageContaining("has paths [sda]");
    }

    @Test
    void addPathWaitsForUdevToHaveProcessedThePath() {
        host.scsiDisk("8:0:0:1", "sdc", "LIO-ORG", "FILEIO", "naa." + W.substring(1));
        Thread udev = new Thread(() -> {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
            host.udevProcessed("sdc", "8:32", W);
        });
        udev.start();
        mp.addWwid(WWID);

        mp.addPath(BlockDevice.parse("sdc"));

        assertThat(mp.awaitMap(WWID, Set.of(BlockDevice.parse("sdc")), SHORT).slaves()).containsExactly(BlockDevice.parse("sdc"));
    }

    @Test
    void aPathMultipathdRefusesIsAnError() {
        assertThatThrownBy(() -> mp.addPath(BlockDevice.parse("sdz")))
                .isInstanceOf(MultipathdException.class)
                .hasMessageContaining("add path sdz")
                .hasMessageContaining("'fail'");
    }

    @Test
    void flushRemovesAnUnusedMapAndFreesThePaths() {
        DmMap m = attached();

        mp.flush(m);

        assertThat(mp.maps().all()).isEmpty();
        assertThat(mp.maps().mapOf(SDA)).isEmpty();
        assertThat(mp.pathStates()).allSatisfy(p -> assertThat(p.map()).isEmpty());
    }

    @Test
    void flushRefusesAnOpenMapAndLeavesIt() {
        DmMap m = attached();
        dm.open(W);

        assertThatThrownBy(() -> mp.flush(m))
                .isInstanceOf(BrickException.class)
                .satisfies(e -> assertThat(((BrickException) e).code()).isEqualTo(BrickException.Code.BUSY))
                .hasMessageContaining("open count 1")
                .hasMessageContaining(m.device().name());
        assertThat(mp.maps().byWwid(WWID)).isPresent();
    }

    @Test
    void forceRemoveOfAnOpenMapStopsQueueingAndDefersTheRemovalToLastClose() {
        DmMap m = attached();
        dm.open(W);

        ForcedRemoval r = mp.forceRemove(m, Duration.ofSeconds(5));

        assertThat(r.outcome()).isEqualTo(ForcedRemoval.Outcome.DEFERRED);
        assertThat(r.openCount()).isEqualTo(1);
        assertThat(r.queueingStopped()).isTrue();
        assertThat(mpathd.queueing(W)).isFalse();
        // multipathd reloaded the map as its paths left, queueing on again: the last word is brickd's
        assertThat(dm.tableQueueing(W)).as("the open map's table queues I/O").isFalse();
        assertThat(dm.messages()).endsWith(W + ": fail_if_no_path");
        assertThat(mp.maps().byWwid(WWID)).isPresent();
        // multipathd no longer holds the paths, so its next event on the map leaves the mark alone
        assertThat(mp.pathStates()).isEmpty();
        mpathd.mapEvent(W);
        assertThat(dm.deferred(W)).isTrue();

        dm.close(W);

        assertThat(mp.maps().byWwid(WWID)).isEmpty();
    }

    @Test
    void flushWaitsOutAShortLivedOpener() {
        DmMap m = attached();
        dm.open(W);
        Thread udevProbe = new Thread(() -> {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
            dm.close(W);
        });
        udevProbe.start();

        mp.flush(m);

        assertThat(mp.maps().all()).isEmpty();
    }

    @Test
    void forceRemoveOfAnUnusedMapIsAFlush() {
        DmMap m = attached();

        ForcedRemoval r = mp.forceRemove(m, Duration.ofSeconds(5));

        assertThat(r.outcome()).isEqualTo(ForcedRemoval.Outcome.FLUSHED);
        assertThat(r.gone()).isTrue();
        assertThat(r.errors()).isEmpty();
        assertThat(mp.maps().all()).isEmpty();
    }

    @Test
    void forceRemoveCarriesOnWhenMultipathdIsDownAndSaysSo() {
        DmMap m = attached();
        mpathd.running = false;

        ForcedRemoval r = mp.forceRemove(m, Duration.ofSeconds(5));

        assertThat(r.outcome()).isEqualTo(ForcedRemoval.Outcome.REMOVED);
        assertThat(r.queueingStopped()).isTrue();
        assertThat(r.errors()).isNotEmpty().allSatisfy(e -> assertThat(e).contains("multipathd is not running"));
        assertThat(mp.maps().all()).isEmpty();
    }

    @Test
    void forceRemoveOfAMapAlreadyGoneReportsIt() {
        DmMap m = attached();
        host.removeDmMap(m.device().name());

        assertThat(mp.forceRemove(m, Duration.ofSeconds(5)).outcome()).isEqualTo(ForcedRemoval.Outcome.ALREADY_GONE);
    }

    @Test
    void forceRemoveThatCannotRemoveEvenDeferredThrowsWithEveryReason() {
        DmMap m = attached();
        dm.open(W);
        mpathd.running = false;
        dm.broken = true;

        assertThatThrownBy(() -> mp.forceRemove(m, Duration.ofSeconds(5)))
                .isInstanceOf(HostException.class)
                .hasMessageContaining("left in place")
                .hasMessageContaining("multipathd is not running")
                .hasMessageContaining("/dev/mapper/control")
                .hasMessageContaining("dmsetup remove --deferred " + W);
    }

    @Test
    void disableQueueingNeedsOneOfTheTwoWays() {
        DmMap m = attached();
        mpathd.running = false;

        Multipath.QueueingOff q = mp.disableQueueing(m);

        assertThat(q.byMultipathd()).isFalse();
        assertThat(q.byDevMapper()).isTrue();

        dm.broken = true;
        assertThatThrownBy(() -> mp.disableQueueing(m))
                .isInstanceOf(HostException.class)
                .hasMessageContaining("cannot stop queueing on map " + W);
    }

    @Test
    void resizeAnswersTheMapsNewSize() {
        DmMap m = attached();
        mpathd.pathSize(W, 96L << 20);

        assertThat(mp.resize(m)).isEqualTo(96L << 20);
    }

    @Test
    void deletingAPathMultipathdNoLongerHasIsNotAnError() {
        DmMap m = attached();

        mp.delPath(SDA);
        mp.delPath(SDA);

        assertThat(mp.maps().byWwid(WWID).orElseThrow().slaves()).containsExactly(SDB);
        assertThat(m.slaves()).containsExactly(SDA, SDB);
    }

    @Test
    void forgettingTheWwidTakesItOutOfTheWwidsFile() {
        attached();

        mp.forgetWwid(WWID);

        assertThat(mpathd.wwids()).isEmpty();
    }
}
