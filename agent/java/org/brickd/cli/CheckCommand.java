package org.brickd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.brickd.cli.HealthCheck.Problem;
import org.brickd.cli.HealthCheck.Result;
import org.brickd.cli.HealthCheck.Status;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * brickctl check: every invariant brickd can check on this host, as a monitoring probe.
 * A check that cannot run is reported as such (exit 2, metric brickd_check_unchecked), never
 * as passed.
 */
@Command(name = "check", description = "Check the invariants on this host: I1 (drifted LUNs), I3 (stale, orphaned,"
        + " unowned devices), I6 (ledger against the host, start-up recovery), I4 (domains given with --domain)."
        + " Exit 0 all good, 1 problems found (each with what to do), 2 a check could not run.")
final class CheckCommand implements Callable<Integer> {

    @ParentCommand
    Brickctl top;

    @Option(names = "--domain", paramLabel = "NAME=BDM_FILE",
            description = "also check this libvirt domain against the BDM list (JSON) in the file; repeatable")
    Map<String, Path> domains = new LinkedHashMap<>();

    @Option(names = "--prometheus", paramLabel = "FILE",
            description = "write node-exporter textfile metrics to FILE (replaced atomically)")
    Path prometheus;

    @Override
    public Integer call() {
        List<Result> results = run();
        PrintWriter out = top.out();
        if (top.json) {
            top.print(out, json(results));
        } else {
            print(out, results);
        }
        int code = HealthCheck.exitCode(results);
        if (prometheus != null) {
            try {
                writeAtomically(prometheus, HealthCheck.prometheus(results, Instant.now()));
            } catch (IOException e) {
                top.spec.commandLine().getErr().println("brickctl: cannot write metrics to " + prometheus + ": " + e);
                return code == 0 ? 2 : code;
            }
        }
        return code;
    }

    private List<Result> run() {
        List<Result> results = new ArrayList<>();
        Calls calls;
        try {
            calls = top.calls();
        } catch (RuntimeException e) {
            String why = "cannot reach the daemon nor work offline: " + e.getMessage();
            for (Named c : FROM_FIND_STALE) {
                results.add(Result.unchecked(c.name(), "", c.invariant(), why));
            }
            for (Named c : FROM_INVENTORY) {
                results.add(Result.unchecked(c.name(), "", c.invariant(), why));
            }
            domains.keySet().forEach(d -> results.add(Result.unchecked("domain", d, "I4", why)));
            return results;
        }
        try (calls) {
            ObjectNode staleParams = Brickctl.JSON.objectNode().put("include_unowned", false);
            answer(calls, "find_stale", staleParams, results, FROM_FIND_STALE);
            answer(calls, "inventory", Brickctl.JSON.objectNode(), results, FROM_INVENTORY);
            for (Map.Entry<String, Path> d : domains.entrySet()) {
                results.add(domain(calls, d.getKey(), d.getValue()));
            }
        }
        return results;
    }

    private record Named(String name, String invariant, Function<JsonNode, Result> check) {}

    /** The checks each call's answer feeds. */
    private static final List<Named> FROM_FIND_STALE = List.of(new Named("stale", "I3", HealthCheck::stale),
            new Named("drift", "I1", HealthCheck::drift), new Named("unowned", "I3", HealthCheck::unowned));
    private static final List<Named> FROM_INVENTORY = List.of(new Named("ledger", "I6", HealthCheck::ledger),
            new Named("recovery", "I6", HealthCheck::recovery));

    /** One call feeds several checks; if it fails, each of them is unchecked with the reason. */
    private static void answer(Calls calls, String method, JsonNode params, List<Result> results, List<Named> checks) {
        JsonNode r;
        try {
            r = calls.call(method, params);
        } catch (RuntimeException e) {
            checks.forEach(c -> results.add(Result.unchecked(c.name(), "", c.invariant(), method + " failed: "
                    + e.getMessage())));
            return;
        }
        checks.forEach(c -> results.add(c.check().apply(r)));
    }

    private Result domain(Calls calls, String name, Path bdmFile) {
        JsonNode bdms;
        try {
            bdms = Brickctl.Mapper.INSTANCE.readTree(Files.readString(bdmFile));
        } catch (IOException e) {
            return Result.unchecked("domain", name, "I4", "cannot read the BDM list " + bdmFile + ": " + e.getMessage());
        }
        ObjectNode p = Brickctl.JSON.objectNode().put("domain", name);
        p.set("bdms", bdms);
        try {
            return HealthCheck.domain(name, calls.call("check_domain", p));
        } catch (RuntimeException e) {
            return Result.unchecked("domain", name, "I4", "check_domain failed: " + e.getMessage());
        }
    }

    private static void print(PrintWriter out, List<Result> results) {
        List<List<String>> rows = new ArrayList<>();
        for (Result r : results) {
            rows.add(List.of(r.name() + (r.label().isEmpty() ? "" : " " + r.label()), r.invariant(),
                    r.status() == Status.UNCHECKED ? "NOT CHECKED" : r.status() == Status.OK ? "ok" : "PROBLEMS",
                    Integer.toString(r.problems().size())));
        }
        Tables.table(out, List.of("CHECK", "INVARIANT", "STATUS", "PROBLEMS"), rows);
        for (Result r : results) {
            for (Problem p : r.problems()) {
                out.println(r.name() + ": " + p.subject() + ": " + p.what());
                out.println("    to do: " + p.todo());
            }
            if (r.status() == Status.UNCHECKED) {
                out.println(r.name() + (r.label().isEmpty() ? "" : " " + r.label()) + ": not checked: " + r.error());
            }
        }
        int code = HealthCheck.exitCode(results);
        out.println(code == 0 ? "all checks passed" : code == 1 ? "problems found" : "some checks could not run");
    }

    private static JsonNode json(List<Result> results) {
        ObjectNode o = Brickctl.JSON.objectNode();
        ArrayNode list = o.putArray("checks");
        for (Result r : results) {
            ObjectNode c = list.addObject().put("check", r.name()).put("invariant", r.invariant())
                    .put("status", r.status().wire());
            if (!r.label().isEmpty()) {
                c.put("domain", r.label());
            }
            if (r.error() != null) {
                c.put("error", r.error());
            }
            ArrayNode ps = c.putArray("problems");
            r.problems().forEach(p -> ps.addObject().put("subject", p.subject()).put("what", p.what())
                    .put("todo", p.todo()));
        }
        o.put("exit", HealthCheck.exitCode(results));
        return o;
    }

    /** A temp file beside the target (not *.prom, so the collector skips it), then a rename. */
    static void writeAtomically(Path target, String text) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = dir.resolve("." + target.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
    }
}
