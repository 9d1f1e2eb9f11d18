package org.brickd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.BiConsumer;
import java.util.function.Function;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** brickctl stale / cleanup: stale-device findings; the cleanup of stale devices or of one volume, plan printed first. */
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
                ObjectNode p = Brickctl.JSON.objectNode().put("include_unowned", includeUnowned);
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

    @Command(name = "cleanup", description = {"Print a plan, then carry it out. --stale (the default): fence drifted"
            + " attachments, remove orphan maps and stale devices. --volume ID: a forced disconnect of the connection"
            + " the ledger recorded for that volume (its maps, devices and sessions no other LUN uses), then its"
            + " ledger entry is forgotten.", "On a terminal it asks first unless --yes. Exit 1 when a step failed,"
            + " something was left, the plan was declined, or the volume has no attachment."})
    static final class Cleanup implements Callable<Integer> {
        @ParentCommand
        Brickctl top;

        @ArgGroup(exclusive = true)
        Target target;

        /** What to clean up: one volume, or the stale devices (the default). */
        static final class Target {
            @Option(names = "--volume", paramLabel = "ID", description = "the volume whose recorded attachment is"
                    + " disconnected with force")
            String volume;

            @ArgGroup(exclusive = false)
            Stale stale;
        }

        static final class Stale {
            @Option(names = "--stale", description = "stale, orphaned and drifted devices and maps (the default)")
            boolean stale;

            @Option(names = "--include-unowned", description = "also remove live devices no attachment owns")
            boolean includeUnowned;
        }

        @Option(names = "--dry-run", description = "print the plan only")
        boolean dryRun;

        @Option(names = "--yes", description = "do not ask for confirmation on a terminal")
        boolean yes;

        @Override
        public Integer call() {
            Job job = target != null && target.volume != null ? Job.volume(target.volume)
                    : Job.stale(target != null && target.stale != null && target.stale.includeUnowned);
            try (Calls c = top.calls()) {
                PrintWriter out = top.out();
                if (!dryRun && !yes && !top.json) {
                    Optional<Function<String, String>> ask = top.terminal.get();
                    if (ask.isPresent()) {
                        JsonNode plan = c.call(job.method(), job.params(true));
                        out.println("plan:");
                        job.printPlan().accept(out, plan);
                        if (!job.hasSteps(plan)) {
                            return 0;
                        }
                        String answer = ask.get().apply("carry out this plan? [y/N] ");
                        if (answer == null || !List.of("y", "yes").contains(answer.strip().toLowerCase(Locale.ROOT))) {
                            out.println("declined: nothing done");
                            return 1;
                        }
                    }
                }
                JsonNode r = c.call(job.method(), job.params(dryRun));
                if (top.json) {
                    top.print(out, r);
                    return r.path("clean").asBoolean() || dryRun ? 0 : 1;
                }
                out.println(dryRun ? "plan (dry run, nothing done):" : "plan:");
                job.printPlan().accept(out, r);
                if (dryRun) {
                    return 0;
                }
                out.println("done:");
                job.printDone().accept(out, r);
                return r.path("clean").asBoolean() ? 0 : 1;
            }
        }
    }

    /**
     * One kind of cleanup: the method that plans (dry run) and carries it out, its parameters
     * besides dry_run, the answer's list of steps, and how the plan and the outcome print.
     */
    private record Job(String method, ObjectNode params, String steps, BiConsumer<PrintWriter, JsonNode> printPlan,
            BiConsumer<PrintWriter, JsonNode> printDone) {

        static Job stale(boolean includeUnowned) {
            return new Job("cleanup_stale", Brickctl.JSON.objectNode().put("include_unowned", includeUnowned),
                    "findings", (out, a) -> findings(out, a.path("findings")), (out, a) -> Tables.table(out,
                            List.of("ok", "class", "device", "map", "result"),
                            Tables.rows(a.path("actions"), "ok", "class", "device", "map", "result")));
        }

        /** cleanup_volume: the forced disconnect of what the ledger recorded for one volume. */
        static Job volume(String id) {
            return new Job("cleanup_volume", Brickctl.JSON.objectNode().put("volume_id", id), "plan",
                    (out, a) -> {
                        out.println("  volume " + a.path("volume_id").asText()
                                + ": forced disconnect of its recorded attachment");
                        a.path("plan").forEach(step -> out.println("  - " + step.asText()));
                    }, StaleCommands::volumeDone);
        }

        ObjectNode params(boolean dryRun) {
            return params.deepCopy().put("dry_run", dryRun);
        }

        boolean hasSteps(JsonNode answer) {
            return !answer.path(steps).isEmpty();
        }
    }

    private static void volumeDone(PrintWriter out, JsonNode answer) {
        answer.path("removed").forEach(x -> out.println("  removed  " + x.asText()));
        answer.path("leftovers").forEach(x -> out.println("  LEFT     " + x.asText()));
        answer.path("errors").forEach(x -> out.println("  error    " + x.asText()));
        out.println(answer.path("clean").asBoolean() ? "  clean: nothing of the volume is left; its ledger entry is"
                + " forgotten" : "  NOT clean: the ledger entry is kept; see what is LEFT, then run brickctl cleanup"
                + " --volume " + answer.path("volume_id").asText() + " again");
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
