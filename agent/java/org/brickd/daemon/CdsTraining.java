package org.brickd.daemon;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Stream;
import org.brickd.cli.Brickctl;
import org.brickd.host.JnaNative;
import org.brickd.host.PeerCredentials;
import org.brickd.ledger.Ledger;
import org.brickd.rpc.Access;
import org.brickd.rpc.Authorizer;
import org.brickd.rpc.ConnectionInfoJson;
import org.brickd.rpc.MethodTable;
import org.brickd.rpc.RpcClient;
import org.brickd.rpc.CallerResolver;
import org.brickd.rpc.RpcServer;
import org.brickd.rpc.RpcServerOptions;
import org.brickd.rpc.VolumeMethods;
import org.slf4j.LoggerFactory;

/**
 * The build's class-data-sharing training run (mvn package, with
 * -XX:ArchiveClassesAtExit): loads what a daemon start and a brickctl call load — config,
 * logging, the SQLite ledger, JSON, connection_info parsing, the native shim, an RPC server
 * and client over a unix socket, picocli — inside a scratch directory, without touching the
 * host. The archive it leaves makes every later JVM start of bin/brickd and bin/brickctl
 * cheaper (they use it when it matches their classpath, and ignore it otherwise).
 */
public final class CdsTraining {

    private CdsTraining() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: CdsTraining SCRATCH_DIR");
            System.exit(2);
        }
        Path dir = Files.createDirectories(Path.of(args[0]));
        Config config = Config.load(dir.resolve("absent.conf"), false).with("state_dir", dir.resolve("state").toString());
        LoggerFactory.getLogger(CdsTraining.class).debug("class-data-sharing training in {}", dir);
        ObjectMapper json = new ObjectMapper();
        JsonNode ci = json.readTree("""
                {"driver_volume_type": "iscsi", "serial": "5f0c1b6e-2d4f-4c59-9a6e-3b1f00d0c0de",
                 "data": {"target_portal": "127.0.0.1:3260", "target_iqn": "iqn.2003-01.org.example:t1",
                          "target_lun": 1, "auth_method": "CHAP", "auth_username": "u", "auth_password": "secret"}}
                """);
        ConnectionInfoJson.parse(ci);
        PeerCredentials peers = new PeerCredentials(new JnaNative());
        Path socket = dir.resolve("training.sock");
        Files.deleteIfExists(socket);
        try (Ledger ledger = Ledger.open(config.path("state_dir"))) {
            MethodTable table = new MethodTable().register("list_attachments", Access.READ,
                    (p, c) -> json.createObjectNode().set("attachments",
                            VolumeMethods.attachmentsJson(ledger.allAttachments())));
            // the build need not run as root: the caller is let in by name
            Authorizer me = new Authorizer(Set.of(System.getProperty("user.name")), Set.of(), Set.of());
            RpcServer server = RpcServer.bind(socket, table, me,
                    RpcServerOptions.defaults().withSocketGroup(null).withStopDeadline(Duration.ofSeconds(5))
                            .withCallers(CallerResolver.system(peers)));
            try (server; RpcClient client = new RpcClient(socket, Duration.ofSeconds(30))) {
                client.call("list_attachments", json.createObjectNode());
            }
        } catch (IOException e) {
            throw new IllegalStateException("training run failed in " + dir + ": " + e.getMessage(), e);
        }
        // brickctl's command tree and help
        PrintWriter discard = new PrintWriter(new StringWriter());
        for (String[] a : new String[][] {{"--help"}, {"check", "--help"}, {"inventory", "--help"}}) {
            Brickctl.commandLine().setOut(discard).setErr(discard).execute(a);
        }
        // brickctl's read-only commands as an operator runs them, over an empty copy of a host (its
        // diagnostic root): one subcommand built, the wiring, the methods, the ledger's queries, the tables
        Path copy = Files.createDirectories(dir.resolve("host-copy/sys")).getParent();
        for (String[] a : new String[][] {{"inventory"}, {"--json", "inventory"}, {"check"}, {"stale"}}) {
            String[] argv = Stream.concat(Stream.of("--config", dir.resolve("absent.conf").toString(), "--state-dir",
                    config.path("state_dir").toString(), "--diagnostic-root", copy.toString()), Stream.of(a))
                    .toArray(String[]::new);
            Brickctl.commandLineFor(argv).setOut(discard).setErr(discard).execute(argv);
        }
        // brickctl's own logging (this JVM logs through logback; brickctl's main selects this provider)
        org.brickd.cli.CliLoggerProvider cliLogging = new org.brickd.cli.CliLoggerProvider();
        cliLogging.initialize();
        cliLogging.getLoggerFactory().getLogger(CdsTraining.class.getName()).isDebugEnabled();
    }
}
