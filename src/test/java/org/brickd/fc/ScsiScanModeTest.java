package org.brickd.fc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.brickd.errors.HostException;
import org.brickd.testing.FakeHost;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScsiScanModeTest {

    @TempDir
    Path root;

    @Test
    void anAsyncScanModeIsSetToManualWithoutANewlineAndTheOldModeIsAnswered() {
        FakeHost host = new FakeHost(root);
        host.file("sys/module/scsi_mod/parameters/scan", "async\n");

        assertThat(new ScsiScanMode(host.sysfs()).makeManual()).contains("async");

        assertThat(host.writes()).containsExactly("/sys/module/scsi_mod/parameters/scan=manual");
        assertThat(new ScsiScanMode(host.sysfs()).current()).contains("manual");
    }

    @Test
    void aManualScanModeIsLeftAlone() {
        FakeHost host = new FakeHost(root);
        host.file("sys/module/scsi_mod/parameters/scan", "manual\n");

        assertThat(new ScsiScanMode(host.sysfs()).makeManual()).contains("manual");

        assertThat(host.writes()).isEmpty();
    }

    @Test
    void withoutScsiModNothingIsWritten() {
        FakeHost host = new FakeHost(root);

        assertThat(new ScsiScanMode(host.sysfs()).makeManual()).isEmpty();

        assertThat(host.writes()).isEmpty();
    }

    @Test
    void aWriteThatDoesNotStickFailsTheStart() {
        // the kernel keeps its mode (a write the parameter's setter ignores)
        FakeHost host = new FakeHost(root, (file, value) -> true);
        host.file("sys/module/scsi_mod/parameters/scan", "async\n");

        assertThatThrownBy(() -> new ScsiScanMode(host.sysfs()).makeManual())
                .isInstanceOf(HostException.class)
                .hasMessageContaining("it reads async");
    }
}
