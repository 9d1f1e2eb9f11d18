package org.brickd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * brickctl builds only the subcommand its command line names (picocli's model of each costs
 * start-up time), and the whole tree whenever something needs it: --help, help, a typo that
 * wants suggestions, the completion and man page generators.
 */
class BrickctlSubcommandsTest {

    private static final List<String> ALL = List.of("connector", "attach", "detach", "attachments", "inventory",
            "stale", "cleanup", "domain", "check", "help");

    private static List<String> built(String... args) {
        return List.copyOf(Brickctl.commandLineFor(args).getSubcommands().keySet());
    }

    @Test
    void aNamedSubcommandIsTheOnlyOneBuiltWhateverOptionsComeBeforeIt() {
        assertThat(built("inventory")).containsExactly("inventory");
        assertThat(built("--config", "/etc/x.conf", "--json", "--offline", "stale")).containsExactly("stale");
        assertThat(built("--state-dir=/var/lib/x", "domain", "check")).containsExactly("domain");
        assertThat(built("--socket", "inventory", "check")).as("an option's value is not a subcommand")
                .containsExactly("check");
    }

    @Test
    void everySubcommandIsBuiltForHelpTyposAndNoSubcommand() {
        assertThat(built()).containsExactlyElementsOf(ALL);
        assertThat(built("--help")).containsExactlyElementsOf(ALL);
        assertThat(built("help", "inventory")).containsExactlyElementsOf(ALL);
        assertThat(built("invntory")).containsExactlyElementsOf(ALL);
        assertThat(built("--bogus", "inventory")).containsExactlyElementsOf(ALL);
        assertThat(List.copyOf(Brickctl.commandLine().getSubcommands().keySet())).containsExactlyElementsOf(ALL);
    }

    @Test
    void eachSubcommandIsRegisteredUnderItsOwnName() {
        Brickctl.commandLine().getSubcommands().forEach((name, cl) -> assertThat(cl.getCommandName()).isEqualTo(name));
    }

    @Test
    void eachSubcommandAndDomainsOwnAnswerHelpWithTheirUsage() {
        for (List<String> argv : List.of(List.of("inventory", "--help"), List.of("cleanup", "-h"),
                List.of("domain", "check", "--help"), List.of("--json", "check", "--help"))) {
            String[] args = argv.toArray(String[]::new);
            CommandLine cl = Brickctl.commandLineFor(args);
            StringWriter out = new StringWriter();
            cl.setOut(new PrintWriter(out, true));

            assertThat(cl.execute(args)).as("%s", argv).isZero();
            String command = String.join(" ", argv.stream().filter(a -> !a.startsWith("-")).toList());
            assertThat(out.toString()).as("%s", argv).startsWith("Usage: brickctl " + command);
        }
    }

    @Test
    void aTypoStillGetsPicocliSuggestions() {
        CommandLine cl = Brickctl.commandLineFor(new String[] {"invntory"});
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err, true));
        assertThat(cl.execute("invntory")).isEqualTo(2);
        assertThat(err.toString()).contains("Did you mean: brickctl inventory");
    }
}
