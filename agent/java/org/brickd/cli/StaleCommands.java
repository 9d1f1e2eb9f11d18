package org.brickd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** brickctl stale / cleanup: stale-device findings, and their removal after printing the plan. */
final class StaleCommands {

    private StaleCommands() {}

    private static final String[] COLUMNS = {"class", "device", "hctl", "map", "volume_id", "wwid_recorded", "wwid_now",
        "action"};

    @Command(name = "stale", description = "List stale, orphaned, unowned and drifted (LUN reused) devices and maps."
            + " Exit 1 when there is any finding.")
    static final class Find implements Callable<Integer> {
        @ParentCommand
        Brickctl top;

        @Option(names = "--include-unowned", description = "plan the removal of live devices no attachment owns")
        boolean includeUnowned;

        @Override
        public Integer call() {
            try (Calls c = top.calls()) {
                ObjectNode p = Brickctl.JSON.createObjectNode().put("include_unowned", includeUnowned);
                JsonNode r = c.call("find_stale", p);
                PrintWriter out = top.out();
                if (top.json) {
                    top.print(out, r);
                } else {
                    findings(out, r.path("findings"));
                }
                return r.path("findings").isEmpty() ? 0 : 1;
            }
        }
    }

    @Command(name = "cleanup", description = "Print the stale-device plan, then carry it out (fence drifted"
            + " attachments, remove orphan maps and stale devices). On a terminal it asks first unless --yes."
            + " Exit 1 when a step failed or the plan was declined.")
    static final class Cleanup implements Callable<Integer> {
        @ParentCommand
        Brickctl top;

        @Option(names = "--dry-run", description = "print the plan only")
        boolean dryRun;

        @Option(names = "--include-unowned", description = "also remove live devices no attachment owns")
        boolean includeUnowned;

        @Option(names = "--yes", description = "do not ask for confirmation on a terminal")
        boolean yes;

        @Override
        public Integer call() {
            try (Calls c = top.calls()) {
                PrintWriter out = top.out();
                if (!dryRun && !yes && !top.json) {
                    Optional<Function<String, String>> ask = top.terminal.get();
                    if (ask.isPresent()) {
                        JsonNode plan = c.call("cleanup_stale", Brickctl.JSON.createObjectNode().put("dry_run", true)
                                .put("include_unowned", includeUnowned));
                        out.println("plan:");
                        findings(out, plan.path("findings"));
                        if (plan.path("findings").isEmpty()) {
                            return 0;
                        }
                        String answer = ask.get().apply("carry out this plan? [y/N] ");
                        if (answer == null || !List.of("y", "yes").contains(answer.strip().toLowerCase(Locale.ROOT))) {
                            out.println("declined: nothing done");
                            return 1;
                        }
                    }
                }
                ObjectNode p = Brickctl.JSON.createObjectNode().put("dry_run", dryRun).put("include_unowned",
                        includeUnowned);
                JsonNode r = c.call("cleanup_stale", p);
                if (top.json) {
                    top.print(out, r);
                    return r.path("clean").asBoolean() || dryRun ? 0 : 1;
                }
                out.println(dryRun ? "plan (dry run, nothing done):" : "plan:");
                findings(out, r.path("findings"));
                if (dryRun) {
                    return 0;
                }
                out.println("done:");
                Tables.table(out, List.of("ok", "class", "device", "map", "result"),
                        Tables.rows(r.path("actions"), "ok", "class", "device", "map", "result"));
                return r.path("clean").asBoolean() ? 0 : 1;
            }
        }
    }

    private static void findings(PrintWriter out, JsonNode findings) {
        if (findings.isEmpty()) {
            out.println("nothing stale, orphaned, unowned or drifted");
            return;
        }
        Tables.table(out, List.of(COLUMNS), Tables.rows(findings, COLUMNS));
        findings.forEach(f -> out.println("  " + f.path("device").asText(f.path("map").asText("")) + ": "
                + f.path("reason").asText()));
    }
}
