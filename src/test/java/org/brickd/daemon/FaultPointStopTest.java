package org.brickd.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fault point's real stop, in a process of its own: it ends in state 'T' (stopped) at the
 * step, as the kernel tier's crash test waits for, and goes on only when continued.
 */
class FaultPointStopTest {

    @TempDir
    Path dir;

    @Test
    void theProcessStopsItselfAtTheStepAndGoesOnOnlyWhenContinued() throws Exception {
        Path out = dir.resolve("out");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), StopSelfMain.class.getName(),
                "attach:scan").redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (true) {
                assertThat(p.isAlive()).as("exited without stopping: %s", Files.readString(out)).isTrue();
                if (state(p) == 'T') {
                    break;
                }
                assertThat(System.nanoTime()).as("stopped within 60 s: %s", Files.readString(out)).isLessThan(deadline);
                p.waitFor(20, TimeUnit.MILLISECONDS); // bounded poll of /proc/PID/stat
            }
            assertThat(Files.readString(out)).contains("reaching attach:scan").doesNotContain("went on");

            jnr.posix.POSIXFactory.getNativePOSIX().kill((int) p.pid(), jnr.constants.platform.Signal.SIGCONT.intValue());

            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isZero();
            assertThat(Files.readString(out)).contains("went on");
        } finally {
            p.destroyForcibly();
        }
    }

    /** The process state letter of /proc/PID/stat (after the command name in parentheses). */
    private static char state(Process p) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + p.pid() + "/stat"));
        return stat.charAt(stat.lastIndexOf(')') + 2);
    }
}
