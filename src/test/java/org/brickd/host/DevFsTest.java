package org.brickd.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.brickd.errors.InvalidInputException;
import org.brickd.testing.FakeHost;
import org.brickd.types.BlockDevice;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DevFsTest {

    @TempDir
    Path root;

    @Test
    void resolvesUdevLinksToTheKernelDevice() {
        FakeHost host = new FakeHost(root).scsiDisk("6:0:0:1", "sdb", "LIO-ORG", "FILEIO", null);
        host.link("dev/disk/by-id/wwn-0x6001405aaaaaaaa00004000800000000", "../../sdb");

        assertThat(host.devfs().resolve("/dev/disk/by-id/wwn-0x6001405aaaaaaaa00004000800000000"))
                .contains(BlockDevice.parse("sdb"));
        assertThat(host.devfs().resolve("/dev/sdb")).contains(BlockDevice.parse("sdb"));
        assertThat(host.devfs().resolve("/dev/disk/by-id/wwn-0x0")).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/etc/passwd", "dev/sda", "/dev/../etc/passwd", "/dev/disk/../../etc", "/devx/sda"})
    void refusesPathsOutsideDev(String bad) {
        DevFs dev = new DevFs(root);

        assertThatThrownBy(() -> dev.resolve(bad)).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void refusesALinkToSomethingThatIsNotAScsiDiskOrDmMap() throws Exception {
        FakeHost host = new FakeHost(root);
        host.file("dev/vda", "");
        host.link("dev/disk/by-id/virtio-root", "../../vda");

        assertThatThrownBy(() -> host.devfs().resolve("/dev/disk/by-id/virtio-root"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("vda");
    }

    @Test
    void removesOnlyLinksNeverNodes() {
        FakeHost host = new FakeHost(root).scsiDisk("6:0:0:1", "sdb", "LIO-ORG", "FILEIO", null);
        host.link("dev/disk/by-id/scsi-36001405aaaa", "../../sdb");

        host.devfs().removeLink("disk/by-id/scsi-36001405aaaa");
        host.devfs().removeLink("sdb");

        assertThat(Files.exists(root.resolve("dev/disk/by-id/scsi-36001405aaaa"))).isFalse();
        assertThat(Files.exists(root.resolve("dev/sdb"))).isTrue();
    }
}
