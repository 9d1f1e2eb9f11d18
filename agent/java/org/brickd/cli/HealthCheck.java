package org.brickd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * brickctl check: the invariants as checks over what the daemon (or offline mode) answers.
 * Pure: the answers of find_stale, inventory and check_domain in, results out, so that a
 * monitoring probe and the unit tests see the same verdicts.
 */
final class HealthCheck {

    private HealthCheck() {}

    enum Status {
        OK, PROBLEMS, UNCHECKED;

        String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One thing wrong, and what the operator does about it. */
    record Problem(String subject, String what, String todo) {}

    /**
     * The outcome of one check. {@code label} tells apart checks of one kind (the domain of a
     * domain check); {@code error} says why an UNCHECKED check could not run.
     */
    record Result(String name, String label, String invariant, Status status, List<Problem> problems, String error) {

        Result {
            problems = List.copyOf(problems);
        }

        static Result of(String name, String label, String invariant, List<Problem> problems) {
            return new Result(name, label, invariant, problems.isEmpty() ? Status.OK : Status.PROBLEMS, problems, null);
        }

        static Result unchecked(String name, String label, String invariant, String error) {
            return new Result(name, label, invariant, Status.UNCHECKED, List.of(), error);
        }
    }

    /** I3: devices whose LUN is gone, and maps no attachment uses. */
    static Result stale(JsonNode findStale) {
        return byClass(findStale, "stale", "I3", Set.of("stale", "orphan"), f -> new Problem(subject(f),
                f.path("class").asText() + ": " + f.path("reason").asText(),
                "brickctl cleanup --dry-run, then brickctl cleanup"));
    }

    /** I1: a live attachment's device answers another WWID (the LUN was reused). */
    static Result drift(JsonNode findStale) {
        return byClass(findStale, "drift", "I1", Set.of("drift"), f -> new Problem(subject(f), "volume "
                + f.path("volume_id").asText("?") + " recorded WWID " + f.path("wwid_recorded").asText("?")
                + ", the device now answers " + f.path("wwid_now").asText("?"),
                "stop the instance's I/O to it; brickctl cleanup fences the attachment"));
    }

    /** Devices of a storage transport that no attachment claims: maybe someone else's, so not removed unasked. */
    static Result unowned(JsonNode findStale) {
        return byClass(findStale, "unowned", "I3", Set.of("unowned"), f -> new Problem(subject(f),
                "no attachment owns it: " + f.path("reason").asText(),
                "if nothing on this host uses it: brickctl cleanup --include-unowned"));
    }

    private static Result byClass(JsonNode findStale, String name, String invariant, Set<String> classes,
                                  Function<JsonNode, Problem> problem) {
        List<Problem> out = new ArrayList<>();
        for (JsonNode f : findStale.path("findings")) {
            if (classes.contains(f.path("class").asText())) {
                out.add(problem.apply(f));
            }
        }
        return Result.of(name, "", invariant, out);
    }

    /**
     * The ledger against the host: every device an attached volume recorded ("H:C:T:L=sdX")
     * still exists at that address under that name.
     */
    static Result ledger(JsonNode inventory) {
        Map<String, String> byHctl = new HashMap<>();
        for (JsonNode d : inventory.path("scsi_devices")) {
            byHctl.put(d.path("hctl").asText(), d.path("device").asText(""));
        }
        List<Problem> out = new ArrayList<>();
        for (JsonNode a : inventory.path("attachments")) {
            if (!a.path("state").asText().equals("attached")) {
                continue;
            }
            String volume = a.path("volume_id").asText();
            for (JsonNode dev : a.path("devices")) {
                String entry = dev.asText();
                int eq = entry.indexOf('=');
                String hctl = eq < 0 ? entry : entry.substring(0, eq);
                String name = eq < 0 ? "" : entry.substring(eq + 1);
                String now = byHctl.get(hctl);
                if (now == null) {
                    out.add(new Problem("volume " + volume, "its device " + entry + " is gone from the host",
                            "the instance lost a path or the volume: check the array, then disconnect_volume with"
                                    + " force (or brickctl detach) and attach again"));
                } else if (!name.isEmpty() && !now.equals(name)) {
                    out.add(new Problem("volume " + volume, "its device " + hctl + " was " + name + " and is now "
                            + (now.isEmpty() ? "without a block device" : now),
                            "the device was replaced under the attachment: brickctl stale shows whether the LUN"
                                    + " drifted"));
                }
            }
        }
        return Result.of("ledger", "", "I6", out);
    }

    /** What the start-up recovery could not finish (an attach or detach cut off by a crash). */
    static Result recovery(JsonNode inventory) {
        List<Problem> out = new ArrayList<>();
        for (JsonNode r : inventory.path("recovery")) {
            if (!r.path("ok").asBoolean()) {
                out.add(new Problem("volume " + r.path("volume_id").asText(), "the " + r.path("op").asText()
                        + " interrupted by the last stop was not resolved: " + r.path("outcome").asText(),
                        "brickctl stale, then brickctl detach with the volume's connection_info"));
            }
        }
        return Result.of("recovery", "", "I6", out);
    }

    /** I4: the domain's volume disks against the BDMs given. */
    static Result domain(String domain, JsonNode checkDomain) {
        List<Problem> out = new ArrayList<>();
        for (JsonNode f : checkDomain.path("findings")) {
            out.add(new Problem(domain + " " + f.path("target_dev").asText(), f.path("kind").asText() + ": expected "
                    + f.path("expected").asText() + ", actual " + f.path("actual").asText(),
                    "brickctl domain repair " + domain + " --bdms FILE"));
        }
        return Result.of("domain", domain, "I4", out);
    }

    /** 1 when any check found a problem; else 2 when any could not run; else 0. */
    static int exitCode(List<Result> results) {
        if (results.stream().anyMatch(r -> r.status() == Status.PROBLEMS)) {
            return 1;
        }
        return results.stream().anyMatch(r -> r.status() == Status.UNCHECKED) ? 2 : 0;
    }

    /** node-exporter textfile metrics: one series per check, and when the checks ran. */
    static String prometheus(List<Result> results, Instant now) {
        StringBuilder b = new StringBuilder();
        b.append("# HELP brickd_check_ok 1 when the check ran and found nothing.\n");
        b.append("# TYPE brickd_check_ok gauge\n");
        for (Result r : results) {
            b.append("brickd_check_ok").append(labels(r)).append(' ').append(r.status() == Status.OK ? 1 : 0).append('\n');
        }
        b.append("# HELP brickd_check_problems Problems the check found.\n");
        b.append("# TYPE brickd_check_problems gauge\n");
        for (Result r : results) {
            b.append("brickd_check_problems").append(labels(r)).append(' ').append(r.problems().size()).append('\n');
        }
        b.append("# HELP brickd_check_unchecked 1 when the check could not run.\n");
        b.append("# TYPE brickd_check_unchecked gauge\n");
        for (Result r : results) {
            b.append("brickd_check_unchecked").append(labels(r)).append(' ')
                    .append(r.status() == Status.UNCHECKED ? 1 : 0).append('\n');
        }
        b.append("# HELP brickd_check_timestamp_seconds When brickctl check ran.\n");
        b.append("# TYPE brickd_check_timestamp_seconds gauge\n");
        b.append("brickd_check_timestamp_seconds ").append(now.getEpochSecond()).append('\n');
        return b.toString();
    }

    private static String labels(Result r) {
        StringBuilder b = new StringBuilder("{check=\"").append(r.name()).append("\",invariant=\"").append(r.invariant())
                .append('"');
        if (!r.label().isEmpty()) {
            b.append(",domain=\"").append(escape(r.label())).append('"');
        }
        return b.append('}').toString();
    }

    /** Label values escape backslash, double quote and newline (the text exposition format). */
    static String escape(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    private static String subject(JsonNode f) {
        String device = f.path("device").asText("");
        String map = f.path("map").asText("");
        String hctl = f.path("hctl").asText("");
        if (!device.isEmpty() && !device.equals("null")) {
            return device + (hctl.isEmpty() || hctl.equals("null") ? "" : " (" + hctl + ")");
        }
        return map.isEmpty() || map.equals("null") ? "?" : "map " + map;
    }
}
