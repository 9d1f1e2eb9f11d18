package org.brickd.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.brickd.connector.KeyedLocks;
import org.brickd.host.Command;
import org.brickd.host.CommandResult;
import org.brickd.host.DevFs;
import org.brickd.host.JnaNative;
import org.brickd.host.Native;
import org.brickd.host.ProcessCommands;
import org.brickd.host.Sysfs;
import org.brickd.host.Uevents;
import org.brickd.iscsi.IscsiAdm;
import org.brickd.iscsi.IscsiConnector;
import org.brickd.iscsi.IscsiSessions;
import org.brickd.scsi.ScsiOps;
import org.brickd.scsi.WwidProbe;

/**
 * The real host, for kernel-tier tests. These tests run only inside the test-bed VM
 * (testbed/run-kernel-tests.sh), as root; anywhere else they fail loudly rather than skip.
 */
final class KernelBed {

    static final Path ROOT = Path.of("/");
    static final Sysfs SYSFS = new Sysfs(ROOT);
    static final DevFs DEV = new DevFs(ROOT);
    static final ProcessCommands COMMANDS = new ProcessCommands();
    /** The bed's open-iscsi node database, where brickd writes CHAP secrets. */
    static final org.brickd.iscsi.NodeRecords NODE_RECORDS =
            new org.brickd.iscsi.NodeRecords(java.nio.file.Path.of("/"), java.time.Duration.ofSeconds(30));
    static final Native NATIVE = new JnaNative();

    private KernelBed() {}

    /** Fails the test unless it runs as root inside the test bed. */
    static void requireBed() {
        assertThat(System.getenv("BRICKD_TESTBED"))
                .as("kernel-tier tests run inside the test-bed VM (testbed/run-kernel-tests.sh), not on the host")
                .isEqualTo("1");
        assertThat(Files.isWritable(Path.of("/sys/kernel/config")))
                .as("kernel-tier tests need root and configfs")
                .isTrue();
    }

    /** The single-path iSCSI connector on the real host, with the bed's deadlines. */
    static IscsiConnector singlePathConnector(Uevents uevents) {
        return singlePathConnector(uevents, Duration.ofSeconds(10));
    }

    /** The same with another login deadline. */
    static IscsiConnector singlePathConnector(Uevents uevents, Duration login) {
        return singlePathConnector(uevents, new IscsiConnector.Settings(login, Duration.ofSeconds(20),
                Duration.ofSeconds(15), Duration.ofSeconds(20)));
    }

    static IscsiConnector singlePathConnector(Uevents uevents, IscsiConnector.Settings settings) {
        ScsiOps scsi = new ScsiOps(SYSFS, DEV, NATIVE, uevents);
        return new IscsiConnector(new IscsiAdm(COMMANDS, Duration.ofSeconds(30), NODE_RECORDS), new IscsiSessions(SYSFS), scsi,
                new WwidProbe(DEV, NATIVE, Duration.ofSeconds(10)), DEV, uevents, new KeyedLocks(Duration.ofSeconds(30)),
                settings);
    }

    static CommandResult run(String... argv) {
        return run(Duration.ofSeconds(60), argv);
    }

    static CommandResult run(Duration deadline, String... argv) {
        Command.Builder b = Command.of(argv[0], deadline);
        for (int i = 1; i < argv.length; i++) {
            b.arg(argv[i]);
        }
        return COMMANDS.run(b.build());
    }

    static String ok(String... argv) {
        CommandResult r = run(argv);
        assertThat(r.exitCode()).as(r.summary()).isZero();
        return r.stdout();
    }
}
