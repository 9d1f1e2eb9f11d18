package org.brickd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** brickctl domain check|repair|migration-xml: the domain methods (docs/domain.md) from the command line. */
@Command(name = "domain", description = "Hold a libvirt domain's volume disks to nova's BDMs (I4, I5).",
        subcommands = {DomainCommands.Check.class, DomainCommands.Repair.class, DomainCommands.MigrationXml.class})
final class DomainCommands {

    @ParentCommand
    Brickctl top;

    /** What every domain subcommand takes. */
    static class Common {
        @Parameters(index = "0", description = "domain name or uuid")
        String domain;

        @Option(names = "--bdms", required = true, description = "file with the BDM list (JSON)")
        Path bdms;

        @Option(names = "--xml", description = "file with the domain XML (default: read from libvirtd)")
        Path xml;

        ObjectNode params(Brickctl top) {
            ObjectNode p = Brickctl.JSON.objectNode().put("domain", domain);
            p.set("bdms", top.readJsonFile(bdms, "BDM list"));
            if (xml != null) {
                try {
                    p.put("xml", Files.readString(xml));
                } catch (IOException e) {
                    throw new CommandLine.ParameterException(new CommandLine(top), "cannot read domain XML " + xml + ": "
                            + e.getMessage());
                }
            }
            return p;
        }

        /** Calls the method; with --json prints the answer as JSON here. */
        static JsonNode call(DomainCommands parent, String method, ObjectNode p, PrintWriter out) {
            try (Calls c = parent.top.calls()) {
                JsonNode r = c.call(method, p);
                if (parent.top.json) {
                    parent.top.print(out, r);
                }
                return r;
            }
        }
    }

    @Command(name = "check", description = "Report every volume disk that differs from its BDM or shares a host device. Exit 1 when any.")
    static final class Check extends Common implements Callable<Integer> {
        @ParentCommand
        DomainCommands parent;

        @Override
        public Integer call() {
            PrintWriter out = parent.top.out();
            JsonNode r = call(parent, "check_domain", params(parent.top), out);
            boolean consistent = r.path("consistent").asBoolean();
            if (parent.top.json) {
                return consistent ? 0 : 1;
            }
            for (JsonNode f : r.path("findings")) {
                out.printf("%s %s %s: expected %s, actual %s%n", f.path("domain").asText(),
                        f.path("target_dev").asText(), f.path("kind").asText(), f.path("expected").asText(),
                        f.path("actual").asText());
            }
            out.println(consistent ? "consistent" : "NOT consistent");
            return consistent ? 0 : 1;
        }
    }

    @Command(name = "repair", description = "Rewrite serial/alias/source in the persistent definition to match the BDMs; prints the diff first.")
    static final class Repair extends Common implements Callable<Integer> {
        @ParentCommand
        DomainCommands parent;

        @Option(names = "--dry-run", description = "show the diff and changes; define nothing")
        boolean dryRun;

        @Override
        public Integer call() {
            PrintWriter out = parent.top.out();
            JsonNode r = call(parent, "repair_domain", params(parent.top).put("dry_run", dryRun), out);
            if (parent.top.json) {
                return 0;
            }
            out.print(r.path("diff").asText());
            for (JsonNode ch : r.path("changes")) {
                out.printf("%s %s %s: %s -> %s (%s)%s%n", ch.path("scope").asText(), ch.path("target_dev").asText(),
                        ch.path("field").asText(), ch.path("from").asText(), ch.path("to").asText(),
                        ch.path("applied").asBoolean() ? "applied" : "not applied",
                        ch.has("converge") ? "; to converge: " + ch.path("converge").asText() : "");
            }
            return 0;
        }
    }

    @Command(name = "migration-xml", description = "Print the destination XML for a live migration; fails naming every unmatched volume disk.")
    static final class MigrationXml extends Common implements Callable<Integer> {
        @ParentCommand
        DomainCommands parent;

        @Override
        public Integer call() {
            PrintWriter out = parent.top.out();
            JsonNode r = call(parent, "migration_xml", params(parent.top), out);
            if (!parent.top.json) {
                out.print(r.path("xml").asText());
            }
            return 0;
        }
    }
}
