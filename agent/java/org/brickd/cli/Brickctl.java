package org.brickd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import org.brickd.daemon.Config;
import org.brickd.daemon.Wiring;
import org.brickd.errors.BrickException;
import org.brickd.service.JournaledSteps;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * brickctl: the operator's CLI. Talks to the daemon over its socket when it answers, and
 * works offline (the same methods, in-process, on this host) when it does not; it says
 * which on stderr. Exit codes: 0 ok, 1 the operation failed or found problems, 2 usage
 * or could not run.
 */
@Command(name = "brickctl", mixinStandardHelpOptions = true, version = "brickctl 0.1",
        description = "Inspect and operate brickd's block-device attachments on this host.",
        exitCodeListHeading = "Exit Codes%n",
        exitCodeList = {"0:ok", "1:the operation failed, found problems, or was declined",
            "2:usage error, or a check could not run"},
        modelTransformer = Brickctl.Subcommands.class)
public final class Brickctl {

    /**
     * The subcommands, in the order --help lists them. Not in the annotation: picocli would build
     * every one's model by reflection on each start (its classes cannot enter the CDS archive), and
     * a run needs one; {@link Subcommands} adds them.
     */
    private static final Map<String, Class<?>> SUBCOMMANDS = subcommands();

    private static Map<String, Class<?>> subcommands() {
        Map<String, Class<?>> m = new LinkedHashMap<>();
        m.put("connector", Connector.class);
        m.put("attach", Attach.class);
        m.put("detach", Detach.class);
        m.put("attachments", Attachments.class);
        m.put("inventory", Inventory.class);
        m.put("stale", StaleCommands.Find.class);
        m.put("cleanup", StaleCommands.Cleanup.class);
        m.put("domain", DomainCommands.class);
        m.put("check", CheckCommand.class);
        m.put("help", CommandLine.HelpCommand.class);
        return Collections.unmodifiableMap(m);
    }

    /**
     * Registers the one subcommand the command line names, or every one when it names none, an
     * unknown one or {@code help} (--help, usage errors with suggestions, the completion and man
     * page generators, which build brickctl from this class and get the whole tree).
     */
    static final class Subcommands implements CommandLine.IModelTransformer {
        @Override
        public CommandSpec transform(CommandSpec spec) {
            Optional<String> named = ((Brickctl) spec.userObject()).args.flatMap(a -> named(spec, a))
                    .filter(n -> SUBCOMMANDS.containsKey(n) && !n.equals("help"));
            SUBCOMMANDS.forEach((name, cls) -> {
                if (named.isEmpty() || named.get().equals(name)) {
                    CommandLine sub = new CommandLine(cls);
                    if (cls != CommandLine.HelpCommand.class) {
                        withHelpOption(sub);
                    }
                    spec.addSubcommand(name, sub);
                }
            });
            return spec;
        }

        /** -h/--help on a subcommand and on each of its own subcommands (brickctl inventory --help). */
        private static void withHelpOption(CommandLine cl) {
            cl.getCommandSpec().addOption(CommandLine.Model.OptionSpec.builder("-h", "--help").usageHelp(true)
                    .description("Show this help message and exit.").build());
            cl.getSubcommands().values().forEach(Subcommands::withHelpOption);
        }

        /** The first word that is neither one of brickctl's own options nor an option's value; empty at "--" or an unknown option. */
        static Optional<String> named(CommandSpec spec, List<String> args) {
            for (int i = 0; i < args.size(); i++) {
                String a = args.get(i);
                if (!a.startsWith("-")) {
                    return Optional.of(a);
                }
                int eq = a.indexOf('=');
                CommandLine.Model.OptionSpec o = spec.findOption(eq < 0 ? a : a.substring(0, eq));
                if (o == null) {
                    return Optional.empty();
                }
                if (eq < 0 && o.arity().max() > 0) {
                    i++;
                }
            }
            return Optional.empty();
        }
    }

    /** The command line this instance was made for; empty: build every subcommand. */
    private final Optional<List<String>> args;

    /** With every subcommand (what picocli's generators instantiate). */
    public Brickctl() {
        this.args = Optional.empty();
    }

    private Brickctl(String[] args) {
        this.args = Optional.of(List.of(args));
    }

    /** Builds request nodes; the ObjectMapper (tens of milliseconds to start) only where JSON is read or printed. */
    static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    /** The mapper, made on first use: a table-printing command never needs it. */
    static final class Mapper {
        static final ObjectMapper INSTANCE = new ObjectMapper();

        private Mapper() {}
    }

    @Option(names = "--socket", description = "daemon socket (default: from the config, /run/brickd/brickd.sock)")
    Path socket;

    @Option(names = "--config", description = "config file (default /etc/brickd/brickd.conf)")
    Path config = Path.of("/etc/brickd/brickd.conf");

    @Option(names = "--state-dir", description = "ledger directory for offline mode (default: from the config)")
    Path stateDir;

    @Option(names = "--offline", description = "do not try the daemon; act on this host directly")
    boolean offline;

    @Option(names = "--json", description = "print JSON instead of tables")
    boolean json;

    @Option(names = "--diagnostic-root", hidden = true, paramLabel = "DIR", description = "DIAGNOSTIC: run the"
            + " read-only commands over a copy of a host's sys/ and dev/ under DIR instead of this host (benchmarks,"
            + " support bundles); never the daemon, never a change")
    Path diagnosticRoot;

    /** How offline mode builds the host's wiring: this host, as root; a test passes one over a fake root. */
    BiFunction<Config, JournaledSteps.Watch, Wiring> offlineWiring = Calls::realHost;

    /** Where a slow call shows what it is doing: stderr when it is a terminal; a test passes a fake terminal. */
    Supplier<Progress> progress = Progress::onStderr;

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        CliLoggerProvider.select();
        System.exit(commandLineFor(args).execute(args));
    }

    /** The command line with brickctl's error handling and every subcommand (--help, the docs). */
    public static CommandLine commandLine() {
        return withErrorHandling(new CommandLine(new Brickctl()));
    }

    /** The command line for running {@code args}: only the subcommand they name is built. */
    public static CommandLine commandLineFor(String[] args) {
        return withErrorHandling(new CommandLine(new Brickctl(args)));
    }

    /** A failed operation is exit 1 with its message. */
    private static CommandLine withErrorHandling(CommandLine cl) {
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof BrickException b) {
                cmd.getErr().println("brickctl: " + b.getMessage());
                return 1;
            }
            if (e instanceof Calls.RemoteError r) {
                cmd.getErr().println("brickctl: " + r.getMessage());
                return 1;
            }
            throw e;
        });
        return cl;
    }

    /** Asks the operator a question on the terminal; empty when there is none (a script, a test). */
    Supplier<Optional<Function<String, String>>> terminal = () -> Optional.ofNullable(System.console())
            .map(con -> con::readLine);

    /** Where commands print (standard output, or what a test set). */
    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    Calls calls() {
        Config c = Config.load(config, false);
        if (socket != null) {
            c = c.with("socket", socket.toString());
        }
        if (stateDir != null) {
            c = c.with("state_dir", stateDir.toString());
        }
        return diagnosticRoot != null ? Calls.diagnostic(c, diagnosticRoot, progress.get())
                : Calls.open(c, offline, offlineWiring, progress.get());
    }

    JsonNode readJsonFile(Path file, String what) {
        try {
            return Mapper.INSTANCE.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new CommandLine.ParameterException(new CommandLine(this), "cannot read " + what + " " + file + ": "
                    + e.getMessage());
        }
    }

    void print(PrintWriter out, JsonNode n) {
        try {
            out.println(Mapper.INSTANCE.writerWithDefaultPrettyPrinter().writeValueAsString(n));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Command(name = "connector", description = "Print the connector properties (initiator IQN, WWPNs, host, multipath).")
    static final class Connector implements Callable<Integer> {
        @ParentCommand
        Brickctl top;

        @Option(names = "--multipath", description = "report multipath as requested")
        boolean multipath;

        @Override
        public Integer call() {
            try (Calls c = top.calls()) {
                ObjectNode p = JSON.objectNode().put("multipath", multipath);
                top.print(top.out(), c.call("get_connector_properties", p));
                return 0;
            }
        }
    }

    @Command(name = "attach", description = "Attach a volume from a connection_info JSON file (manual recovery).")
    static final class Attach implements Callable<Integer> {
        @ParentCommand
        Brickctl top;

        @Option(names = "--connection-info", required = true, description = "file with cinder's connection_info")
        Path file;

        @Option(names = "--instance", description = "instance uuid using the volume")
        String instance;

        @Option(names = "--multipath", description = "attach through dm-multipath")
        boolean multipath;

        @Override
        public Integer call() {
            try (Calls c = top.calls()) {
                ObjectNode p = JSON.objectNode();
                p.set("connection_info", top.readJsonFile(file, "connection_info"));
                if (instance != null) {
                    p.put("instance_uuid", instance);
                }
                p.put("use_multipath", multipath);
                top.print(top.out(), c.call("connect_volume", p));
                return 0;
            }
        }
    }

    @Command(name = "detach", description = "Detach a volume given its connection_info JSON file.")
    static final class Detach implements Callable<Integer> {
        @ParentCommand
        Brickctl top;

        @Option(names = "--connection-info", required = true, description = "file with cinder's connection_info")
        Path file;

        @Option(names = "--force", description = "remove devices even when flushing fails (unwritten data is lost)")
        boolean force;

        @Option(names = "--ignore-errors", description = "succeed even if something is left; list it")
        boolean ignoreErrors;

        @Override
        public Integer call() {
            try (Calls c = top.calls()) {
                ObjectNode p = JSON.objectNode();
                p.set("connection_info", top.readJsonFile(file, "connection_info"));
                p.putNull("device_info");
                p.put("force", force);
                p.put("ignore_errors", ignoreErrors);
                JsonNode r = c.call("disconnect_volume", p);
                top.print(top.out(), r);
                return r.path("clean").asBoolean(false) ? 0 : 1;
            }
        }
    }

    @Command(name = "attachments", description = "List what brickd attached (from its ledger).")
    static final class Attachments implements Callable<Integer> {
        @ParentCommand
        Brickctl top;

        @Override
        public Integer call() {
            try (Calls c = top.calls()) {
                JsonNode r = c.call("list_attachments", JSON.objectNode());
                PrintWriter out = top.out();
                if (top.json) {
                    top.print(out, r);
                } else {
                    Tables.attachments(out, r.path("attachments"));
                }
                return 0;
            }
        }
    }

    /** Each SCSI device gets the class find_stale gave it (stale, orphan, unowned, drift), or none. */
    static void withStaleClasses(JsonNode inventory, JsonNode stale) {
        Map<String, String> byHctl = new HashMap<>();
        for (JsonNode f : stale.path("findings")) {
            if (f.hasNonNull("hctl")) {
                byHctl.putIfAbsent(f.get("hctl").asText(), f.path("class").asText());
            }
        }
        for (JsonNode d : inventory.path("scsi_devices")) {
            ((ObjectNode) d).put("class", byHctl.get(d.path("hctl").asText()));
        }
    }

    @Command(name = "inventory", description = "Initiator, HBAs, iSCSI sessions, SCSI devices with their owner and stale"
            + " class, multipath maps with their paths' states, attachments.")
    static final class Inventory implements Callable<Integer> {
        @ParentCommand
        Brickctl top;

        @Override
        public Integer call() {
            try (Calls c = top.calls()) {
                JsonNode r = c.call("inventory", JSON.objectNode());
                withStaleClasses(r, c.call("find_stale", JSON.objectNode()));
                PrintWriter out = top.out();
                if (top.json) {
                    top.print(out, r);
                } else {
                    Tables.inventory(out, r);
                }
                return 0;
            }
        }
    }
}
