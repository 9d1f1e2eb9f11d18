package org.brickd.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.brickd.errors.InvalidInputException;
import org.brickd.testing.NotifyListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class SystemdNotifyTest {

    @TempDir
    Path dir;

    @Test
    void aStateReachesASocketBoundAtAPath() {
        String path = dir.resolve("notify").toString();
        try (NotifyListener systemd = NotifyListener.bind(path)) {
            SystemdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", path)).send("READY=1\nSTATUS=serving");
            assertThat(systemd.receive(Duration.ofSeconds(5))).isEqualTo("READY=1\nSTATUS=serving");
        }
    }

    @Test
    void aStateReachesAnAbstractSocket() {
        String name = "@brickd-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
        try (NotifyListener systemd = NotifyListener.bind(name)) {
            SystemdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", name)).send("STOPPING=1");
            assertThat(systemd.receive(Duration.ofSeconds(5))).isEqualTo("STOPPING=1");
        }
    }

    @Test
    void withoutTheVariableNothingIsSent() {
        assertThat(SystemdNotify.fromEnvironment(Map.of())).isSameAs(SystemdNotify.NONE);
    }

    @Test
    void aBadAddressIsRefusedNamingTheVariable() {
        for (String bad : new String[] {"", "run/notify", "@", "/" + "x".repeat(107), "vsock:2:1234", "/run/a\0b"}) {
            assertThatThrownBy(() -> SystemdNotify.parseAddress(bad)).as(bad)
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("NOTIFY_SOCKET");
            assertThat(SystemdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", bad))).as(bad).isSameAs(SystemdNotify.NONE);
        }
        assertThat(SystemdNotify.parseAddress("/" + "x".repeat(106))).hasSize(107);
    }

    @Test
    void nobodyListeningIsLoggedNotThrown() {
        SystemdNotify.fromEnvironment(Map.of("NOTIFY_SOCKET", dir.resolve("absent").toString())).send("READY=1");
    }
}
