package org.brickd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.AutoComplete;
import picocli.codegen.docgen.manpage.ManPageGenerator;

/**
 * The bash completion and the man page, made the way the build makes them (picocli.AutoComplete;
 * picocli-codegen's ManPageGenerator, then asciidoctor), offer and name brickctl's real commands.
 */
class BrickctlDocsTest {

    private static final List<String> COMMANDS = List.of("connector", "attach", "detach", "attachments", "inventory",
            "stale", "cleanup", "domain", "check", "help");

    /**
     * Sources the script and runs its completion function with COMP_WORDS from argv (no word is
     * ever pasted into the script text); prints COMPREPLY one per line.
     */
    private static final String DRIVER = "source \"$1\"; shift; COMP_WORDS=(\"$@\"); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ));"
            + " COMP_LINE=\"${COMP_WORDS[*]}\"; COMP_POINT=${#COMP_LINE}; _complete_brickctl 2>/dev/null;"
            + " printf '%s\\n' \"${COMPREPLY[@]}\"";

    @TempDir
    Path dir;

    private static List<String> run(Path cwd, List<String> argv) throws Exception {
        Process p = new ProcessBuilder(argv).directory(cwd.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("%s finished", argv).isTrue();
        assertThat(p.exitValue()).as("%s: %s", argv, out).isZero();
        return out.lines().filter(l -> !l.isEmpty()).toList();
    }

    private List<String> complete(Path script, String... words) throws Exception {
        List<String> argv = new ArrayList<>(List.of("bash", "--norc", "--noprofile", "-c", DRIVER, "bash",
                script.toString(), "brickctl"));
        argv.addAll(List.of(words));
        return run(dir, argv);
    }

    @Test
    void bashCompletionOffersTheSubcommandsAndEachCommandsOptions() throws Exception {
        Path script = Files.writeString(dir.resolve("brickctl.bash"), AutoComplete.bash("brickctl",
                Brickctl.commandLine()));

        assertThat(complete(script, "")).containsExactlyInAnyOrderElementsOf(COMMANDS);
        assertThat(complete(script, "cl")).containsExactly("cleanup");
        assertThat(complete(script, "cleanup", "--")).containsExactlyInAnyOrder("--help", "--volume", "--stale",
                "--include-unowned", "--dry-run", "--yes");
        assertThat(complete(script, "domain", "")).containsExactlyInAnyOrder("check", "repair", "migration-xml");
        assertThat(complete(script, "--")).contains("--offline", "--json", "--socket", "--state-dir", "--config")
                .as("a hidden diagnostic option is not offered").doesNotContain("--diagnostic-root");
    }

    @Test
    void theManPageNamesEverySubcommandAndTheCleanupPageItsOptions() throws Exception {
        ManPageGenerator.main(new String[] {"--outdir=" + dir.resolve("adoc"), Brickctl.class.getName()});
        run(dir, List.of("asciidoctor", "--backend=manpage", "--failure-level=WARN", "--destination-dir="
                + dir.resolve("man"), dir.resolve("adoc/brickctl.adoc").toString(),
                dir.resolve("adoc/brickctl-cleanup.adoc").toString()));

        String page = Files.readString(dir.resolve("man/brickctl.1"));
        assertThat(page).startsWith("'\\\" t").contains(".TH \"BRICKCTL\" \"1\"");
        String commands = page.substring(page.indexOf(".SH \"COMMANDS\""));
        for (String c : COMMANDS) {
            assertThat(commands).as("COMMANDS names %s", c).contains("\\fB" + c + "\\fP");
        }
        assertThat(page).contains(".SH \"EXIT CODES\"").doesNotContain("diagnostic");
        assertThat(Files.readString(dir.resolve("man/brickctl-cleanup.1"))).contains("\\-\\-volume", "\\-\\-stale",
                "\\-\\-dry\\-run");
    }
}
