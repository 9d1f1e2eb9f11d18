package org.brickd.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.brickd.errors.DeadlineException;
import org.brickd.errors.HostException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessCommandsTest {

    private final ProcessCommands commands = new ProcessCommands();

    @Test
    void capturesOutputAndExitCodeWithoutAShell() {
        // a shell would expand these; an argv passes them through untouched
        CommandResult r = commands.run(Command.of("echo", Duration.ofSeconds(10)).args("$HOME", "*", ";", "a b").build());

        assertThat(r.ok()).isTrue();
        assertThat(r.stdout()).isEqualTo("$HOME * ; a b\n");
    }

    @Test
    void nonZeroExitIsAResultWithStderr() {
        CommandResult r = commands.run(Command.of("ls", Duration.ofSeconds(10)).arg("/no/such/dir").build());

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.stderr()).contains("/no/such/dir");
        assertThat(r.summary()).startsWith("ls /no/such/dir exited 2: ");
    }

    @Test
    void feedsStdin() {
        CommandResult r = commands.run(Command.of("cat", Duration.ofSeconds(10))
                .stdin("line one\n".getBytes(StandardCharsets.UTF_8)).build());

        assertThat(r.stdout()).isEqualTo("line one\n");
    }

    @Test
    void runsWithAMinimalEnvironment() {
        CommandResult r = commands.run(Command.of("env", Duration.ofSeconds(10)).build());

        assertThat(r.stdout().lines()).containsExactlyInAnyOrder(
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C");
    }

    @Test
    void killsTheWholeProcessGroupAtTheDeadline(@TempDir Path tmp) throws Exception {
        Path pidFile = tmp.resolve("child.pid");
        // test fixture only: a program that leaves a grandchild running
        Command c = Command.of("bash", Duration.ofMillis(700))
                .args("-c", "sleep 60 & echo $! > " + pidFile + "; wait").build();

        long t0 = System.nanoTime();
        assertThatThrownBy(() -> commands.run(c))
                .isInstanceOf(DeadlineException.class)
                .hasMessageContaining("did not finish within 700 ms");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));

        long grandchild = Long.parseLong(Files.readString(pidFile).strip());
        boolean gone = ProcessHandle.of(grandchild).map(h -> {
            try {
                h.onExit().get(5, java.util.concurrent.TimeUnit.SECONDS);
                return true;
            } catch (Exception e) {
                return !h.isAlive();
            }
        }).orElse(true);
        assertThat(gone).as("grandchild %d killed with the group", grandchild).isTrue();
    }

    @Test
    void secretsAreMaskedInEveryRendering() {
        Command c = Command.of("iscsiadm", Duration.ofSeconds(1))
                .args("-m", "node", "-n", "node.session.auth.password", "-v").secret("s3cr3t-chap").build();

        assertThat(c.display()).isEqualTo("iscsiadm -m node -n node.session.auth.password -v ***");
        assertThat(c.toString()).doesNotContain("s3cr3t");
        assertThat(new CommandResult(c, 24, "", "iscsiadm: auth failure", Duration.ZERO).summary())
                .doesNotContain("s3cr3t");
    }

    @Test
    void aProgramThatCannotStartIsAHostError() {
        assertThatThrownBy(() -> commands.run(Command.of("/no/such/program", Duration.ofSeconds(1)).build()))
                .isInstanceOf(HostException.class)
                .hasMessageContaining("/no/such/program");
    }

    @Test
    void refusesRelativeProgramPathsAndNul() {
        assertThatThrownBy(() -> Command.of("bin/sh", Duration.ofSeconds(1)).build())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Command.of("echo", Duration.ofSeconds(1)).arg("a\0b").build())
                .isInstanceOf(IllegalArgumentException.class);
    }
}
