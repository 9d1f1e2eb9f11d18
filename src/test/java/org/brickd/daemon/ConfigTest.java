package org.brickd.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.brickd.errors.BrickException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigTest {

    @TempDir
    Path dir;

    @Test
    void theShippedConfigFileParsesAndDocumentsEveryKey() throws Exception {
        Path shipped = Path.of("systemd/brickd.conf");
        Config c = Config.load(shipped, true);

        String text = Files.readString(shipped);
        for (Config.Key k : Config.KEYS) {
            assertThat(text).as("systemd/brickd.conf documents %s", k.name()).contains("# " + k.name() + " = " + k.defaultValue());
        }
        assertThat(c.path("socket")).isEqualTo(Path.of("/run/brickd/brickd.sock"));
        assertThat(c.duration("login_timeout")).isEqualTo(Duration.ofSeconds(20));
    }

    @Test
    void valuesOverrideDefaults() throws Exception {
        Path f = dir.resolve("brickd.conf");
        Files.writeString(f, "# comment\n\nsocket = /tmp/x.sock\nlogin_timeout = 1500ms\nallowed_users = nova, cinder\n");

        Config c = Config.load(f, true);

        assertThat(c.path("socket")).isEqualTo(Path.of("/tmp/x.sock"));
        assertThat(c.duration("login_timeout")).isEqualTo(Duration.ofMillis(1500));
        assertThat(c.list("allowed_users")).containsExactly("nova", "cinder");
        assertThat(c.positive("workers")).isEqualTo(32);
    }

    @Test
    void aBadLineStopsTheStartNamingFileAndLine() throws Exception {
        Path f = dir.resolve("brickd.conf");
        Files.writeString(f, "socket = /tmp/x.sock\nlogin_timeout = soon\n");

        assertThatThrownBy(() -> Config.load(f, true))
                .isInstanceOf(BrickException.class)
                .hasMessageContaining(f + ":2")
                .hasMessageContaining("login_timeout");
    }

    @Test
    void unknownKeysAndMalformedLinesAreRefused() throws Exception {
        Path f = dir.resolve("a.conf");
        Files.writeString(f, "sockett = /tmp/x\n");
        Path g = dir.resolve("b.conf");
        Files.writeString(g, "\n\njust words\n");
        Path h = dir.resolve("c.conf");
        Files.writeString(h, "allowed_users = nova;rm -rf /\n");

        assertThatThrownBy(() -> Config.load(f, true)).hasMessageContaining(f + ":1").hasMessageContaining("unknown key 'sockett'");
        assertThatThrownBy(() -> Config.load(g, true)).hasMessageContaining(g + ":3");
        assertThatThrownBy(() -> Config.load(h, true)).hasMessageContaining(h + ":1").hasMessageContaining("not a user or group name");
    }

    @Test
    void aMissingOptionalFileMeansDefaults() {
        assertThat(Config.load(dir.resolve("none.conf"), false).path("state_dir")).isEqualTo(Path.of("/var/lib/brickd"));
        assertThatThrownBy(() -> Config.load(dir.resolve("none.conf"), true)).hasMessageContaining("does not exist");
    }
}
