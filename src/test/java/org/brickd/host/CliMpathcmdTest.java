package org.brickd.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.brickd.errors.HostException;
import org.junit.jupiter.api.Test;

/** The CLI fallback: the argv is the contract with multipathd's client, asserted here once. */
class CliMpathcmdTest {

    @Test
    void aQuotedFormatStaysOneArgument() {
        assertThat(CliMpathcmd.words("show paths raw format \"%d|%w|%t|%T\""))
                .containsExactly("show", "paths", "raw", "format", "%d|%w|%t|%T");
        assertThat(CliMpathcmd.words("show map x raw format \"%n %w\""))
                .containsExactly("show", "map", "x", "raw", "format", "%n %w");
    }

    @Test
    void theReplyIsStdoutAndNoDaemonIsAClearError() {
        List<List<String>> ran = new ArrayList<>();
        int[] exit = {1};
        String[] out = {"fail\n"};
        Commands fake = c -> {
            ran.add(c.argv());
            return new CommandResult(c, exit[0], out[0], "", Duration.ZERO);
        };
        CliMpathcmd cli = new CliMpathcmd(fake);

        assertThat(cli.command("del map mpatha", Duration.ofSeconds(1))).isEqualTo("fail\n");
        assertThat(ran).containsExactly(List.of("multipathd", "del", "map", "mpatha"));

        out[0] = "";
        assertThatThrownBy(() -> cli.command("show maps", Duration.ofSeconds(1)))
                .isInstanceOf(HostException.class)
                .hasMessageContaining("multipathd is not running");
    }
}
