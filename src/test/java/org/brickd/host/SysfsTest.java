package org.brickd.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.brickd.errors.HostException;
import org.brickd.errors.InvalidInputException;
import org.brickd.testing.FakeHost;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SysfsTest {

    @TempDir
    Path root;

    @Test
    void readsAttributesWithoutTheTrailingNewline() {
        FakeHost host = new FakeHost(root).scsiDisk("6:0:0:1", "sdb", "LIO-ORG", "FILEIO", "naa.6001405aaaaaaaa00004000800000000");

        assertThat(host.sysfs().read("class/scsi_device/6:0:0:1/device/state")).contains("running");
        assertThat(host.sysfs().read("block/sdb/device/wwid")).contains("naa.6001405aaaaaaaa00004000800000000");
        assertThat(host.sysfs().read("block/sdc/device/wwid")).isEmpty();
    }

    @Test
    void listsSortedAndResolvesLinksInsideSys() {
        FakeHost host = new FakeHost(root)
                .scsiDisk("6:0:0:2", "sdc", "LIO-ORG", "FILEIO", null)
                .scsiDisk("6:0:0:1", "sdb", "LIO-ORG", "FILEIO", null);

        assertThat(host.sysfs().list("class/scsi_device")).containsExactly("6:0:0:1", "6:0:0:2");
        assertThat(host.sysfs().list("class/nothing")).isEmpty();
        assertThat(host.sysfs().resolve("block/sdb/device"))
                .contains("devices/platform/host6/target6:0:0/6:0:0:1");
    }

    @Test
    void writesControlFilesDirectlyAndRecordsThem() throws Exception {
        FakeHost host = new FakeHost(root).scsiHost(7);

        host.sysfs().write("class/scsi_host/host7/scan", "0 0 1");

        assertThat(host.writes()).containsExactly("/sys/class/scsi_host/host7/scan=0 0 1");
        assertThat(Files.readString(root.resolve("sys/class/scsi_host/host7/scan"))).isEqualTo("0 0 1");
    }

    @Test
    void writingAControlFileThatDoesNotExistIsAHostErrorNamingIt() {
        FakeHost host = new FakeHost(root);

        assertThatThrownBy(() -> host.sysfs().write("block/sdq/device/delete", "1"))
                .isInstanceOf(HostException.class)
                .hasMessageContaining("/sys/block/sdq/device/delete")
                .hasMessageContaining("does not exist");
        assertThat(Files.exists(root.resolve("sys/block/sdq"))).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"../etc/passwd", "block/../../etc/shadow", "/etc/passwd", "block//sda", "block/sda\n",
            "block/./sda", "block/sd a", "block/sda\u0000/x"})
    void refusesPathsThatCouldLeaveSys(String bad) {
        Sysfs sysfs = new Sysfs(root);

        assertThatThrownBy(() -> sysfs.read(bad)).isInstanceOf(InvalidInputException.class).hasMessageContaining("path");
        assertThatThrownBy(() -> sysfs.write(bad, "1")).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void resolveRefusesALinkThatPointsOutOfSys() throws Exception {
        Files.createDirectories(root.resolve("sys/block"));
        Files.createDirectories(root.resolve("etc"));
        Files.createSymbolicLink(root.resolve("sys/block/evil"), Path.of("../../etc"));

        assertThat(new Sysfs(root).resolve("block/evil")).isEmpty();
    }
}
