package org.brickd.multipath;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.OptionalInt;
import org.brickd.testing.FakeHost;
import org.brickd.types.BlockDevice;
import org.brickd.types.Wwid;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Maps read from a fake sysfs laid out as the bed's kernel lays it out (kernel-testbed.md §4). */
class DmMapsTest {

    private static final String W = "360014051111111122224333844455555";
    private static final BlockDevice SDA = BlockDevice.parse("sda");
    private static final BlockDevice SDB = BlockDevice.parse("sdb");
    private static final BlockDevice SDC = BlockDevice.parse("sdc");

    @TempDir
    Path root;
    private FakeHost host;
    private DmMaps maps;

    @BeforeEach
    void twoPathsOfOneLun() {
        host = new FakeHost(root);
        host.scsiDisk("6:0:0:1", "sda", "LIO-ORG", "FILEIO", "naa." + W.substring(1));
        host.scsiDisk("7:0:0:1", "sdb", "LIO-ORG", "FILEIO", "naa." + W.substring(1));
        host.scsiDisk("8:0:0:2", "sdc", "LIO-ORG", "FILEIO", "naa.6001405bbbbbbbb00004000800000000");
        maps = new DmMaps(host.sysfs());
    }

    @Test
    void aMultipathMapWithItsPathsFoundByWwidInAnyForm() {
        host.dmMap("dm-0", W, "mpath-" + W, 131072, "sda", "sdb");

        DmMap m = maps.byWwid(Wwid.parse("naa." + W.substring(1))).orElseThrow();

        assertThat(m.device()).isEqualTo(BlockDevice.parse("dm-0"));
        assertThat(m.name()).isEqualTo(W);
        assertThat(m.wwid()).contains(Wwid.parse(W));
        assertThat(m.slaves()).containsExactly(SDA, SDB);
        assertThat(m.holders()).isEmpty();
        assertThat(m.suspended()).isFalse();
        assertThat(m.openCount()).isEqualTo(OptionalInt.empty());
        assertThat(m.inUse()).isFalse();
        assertThat(maps.byWwid(Wwid.parse("naa.6001405bbbbbbbb00004000800000000"))).isEmpty();
    }

    @Test
    void aPathLeadsToItsMapThroughItsHolders() {
        host.dmMap("dm-3", W, "mpath-" + W, 131072, "sda", "sdb");

        assertThat(maps.mapOf(SDB)).map(DmMap::device).contains(BlockDevice.parse("dm-3"));
        assertThat(maps.mapOf(SDC)).isEmpty();
    }

    @Test
    void onlyMultipathMapsAreListedInMinorOrder() {
        host.dmMap("dm-10", "mpathb", "mpath-36001405bbbbbbbb00004000800000000", 131072, "sdc");
        host.dmMap("dm-2", W, "mpath-" + W, 131072, "sda", "sdb");
        host.dmMap("dm-0", "vg-root", "LVM-x5mGW0pLkbJ3Rr0LxFTcCJNaD40Vy2C3", 2048);
        // a kpartx partition on the map: not a multipath map itself, but it holds dm-2
        host.dmMap("dm-11", W + "-part1", "part1-mpath-" + W, 2048);
        host.link("sys/devices/virtual/block/dm-2/holders/dm-11", "../../dm-11");

        assertThat(maps.all()).extracting(m -> m.device().name()).containsExactly("dm-2", "dm-10");
        DmMap aliased = maps.byName("mpathb").orElseThrow();
        assertThat(aliased.wwid()).contains(Wwid.parse("naa.6001405bbbbbbbb00004000800000000"));
        DmMap held = maps.byWwid(Wwid.parse(W)).orElseThrow();
        assertThat(held.holders()).containsExactly("dm-11");
        assertThat(held.inUse()).isTrue();
    }

    @Test
    void aSuspendedMapSaysSo() {
        host.dmMap("dm-0", W, "mpath-" + W, 131072, "sda", "sdb");
        host.file("sys/devices/virtual/block/dm-0/dm/suspended", "1\n");

        assertThat(maps.byWwid(Wwid.parse(W)).orElseThrow().suspended()).isTrue();
    }

    @Test
    void aRemovedMapIsGoneAndItsPathsAreFree() {
        host.dmMap("dm-0", W, "mpath-" + W, 131072, "sda", "sdb");
        host.removeDmMap("dm-0");

        assertThat(maps.all()).isEmpty();
        assertThat(maps.mapOf(SDA)).isEmpty();
        assertThat(host.ls("sys/block/sda/holders")).isEmpty();
    }

    @Test
    void aMapWhoseNameMultipathdCouldNotTakeIsLeftOut() {
        host.dmMap("dm-0", "bad name", "mpath-" + W, 131072, "sda");

        assertThat(maps.all()).isEmpty();
    }

    @Test
    void openCountComesFromDeviceMapperWhenGiven() {
        host.dmMap("dm-0", W, "mpath-" + W, 131072, "sda", "sdb");
        FakeDevMapper dm = new FakeDevMapper(host);
        dm.open(W);

        DmMap m = new DmMaps(host.sysfs(), dm).byWwid(Wwid.parse(W)).orElseThrow();

        assertThat(m.openCount()).hasValue(1);
        assertThat(m.inUse()).isTrue();
    }
}
