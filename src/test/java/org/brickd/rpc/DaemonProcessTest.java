package org.brickd.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.brickd.testing.NotifyListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real daemon as a process (BrickdMain in its own JVM, as bin/brickd runs it) on a
 * temporary socket and state directory: many concurrent clients, hostile frames that must
 * each get a clear error and change nothing, and socket activation by systemd's own
 * systemd-socket-activate (the sd_listen_fds protocol, fd 3), the notification socket of
 * Type=notify (sd_notify), and the caller's pid in the audit log.
 */
class DaemonProcessTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        for (Process p : started) {
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
    }

    /** The daemon's config for a test: no timer, and never touch this machine's scsi_mod scan mode. */
    private Path config() throws IOException {
        Path c = dir.resolve("brickd.conf");
        Files.writeString(c, "stale_scan_interval = off\nfc_manual_scan = no\nsocket_group = nogroup-brickd-test\n");
        return c;
    }

    /** The JVM options bin/brickd gives. */
    private static final List<String> BRICKD_JVM = List.of("-XX:+UseSerialGC", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED");

    private List<String> java(String... args) {
        return java(BRICKD_JVM, args);
    }

    private List<String> java(List<String> jvmOptions, String... args) {
        List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        argv.addAll(jvmOptions);
        argv.addAll(List.of("-cp", System.getProperty("java.class.path"), "org.brickd.daemon.BrickdMain"));
        argv.addAll(Arrays.asList(args));
        return argv;
    }

    private Process launch(List<String> argv) throws IOException {
        return launch(argv, Map.of());
    }

    private Process launch(List<String> argv, Map<String, String> env) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true)
                .redirectOutput(dir.resolve("brickd.log").toFile());
        pb.environment().remove("NOTIFY_SOCKET");
        pb.environment().putAll(env);
        Process p = pb.start();
        started.add(p);
        return p;
    }

    private List<String> daemonArgv(List<String> jvmOptions) throws IOException {
        return java(jvmOptions, "--socket", dir.resolve("brickd.sock").toString(), "--state-dir",
                dir.resolve("state").toString(), "--config", config().toString());
    }

    private Path startDaemon() throws Exception {
        return startDaemon(BRICKD_JVM, Map.of());
    }

    private Path startDaemon(Map<String, String> env) throws Exception {
        return startDaemon(BRICKD_JVM, env);
    }

    private Path startDaemon(List<String> jvmOptions, Map<String, String> env) throws Exception {
        Path socket = dir.resolve("brickd.sock");
        Process p = launch(daemonArgv(jvmOptions), env);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!log().contains("brickd ready")) {
            assertThat(p.isAlive()).as("brickd exited: %s", log()).isTrue();
            assertThat(System.nanoTime()).as("ready within 60 s: %s", log()).isLessThan(deadline);
            p.waitFor(20, TimeUnit.MILLISECONDS); // bounded poll for the daemon's ready line
        }
        assertThat(socket).exists();
        return socket;
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("brickd.log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @Test
    void thirtyTwoClientsAtOnceAreAllAnswered() throws Exception {
        Path socket = startDaemon();
        int clients = 32;
        CountDownLatch go = new CountDownLatch(1);
        ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
        List<CompletableFuture<Void>> all = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < clients; i++) {
            all.add(CompletableFuture.runAsync(() -> {
                try (RpcClient c = new RpcClient(socket, Duration.ofSeconds(60))) {
                    go.await();
                    List<CompletableFuture<JsonNode>> inFlight = List.of(
                            c.callAsync("get_connector_properties", JSON.readTree("{\"multipath\": true}")),
                            c.callAsync("list_attachments", JSON.createObjectNode()),
                            c.callAsync("find_stale", JSON.createObjectNode()));
                    JsonNode props = inFlight.get(0).get(60, TimeUnit.SECONDS);
                    if (!props.has("initiator") || !props.has("host") || !props.path("multipath").asBoolean()) {
                        problems.add("connector properties " + props);
                    }
                    if (!inFlight.get(1).get(60, TimeUnit.SECONDS).path("attachments").isArray()) {
                        problems.add("list_attachments");
                    }
                    if (!inFlight.get(2).get(60, TimeUnit.SECONDS).path("findings").isArray()) {
                        problems.add("find_stale");
                    }
                } catch (Exception e) {
                    problems.add(e.toString());
                }
            }, java.util.concurrent.Executors.newCachedThreadPool()));
        }
        go.countDown();
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(3, TimeUnit.MINUTES);
        System.out.printf("daemon: %d clients x 3 calls in flight answered in %d ms%n", clients,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        assertThat(problems).isEmpty();
    }

    @Test
    void hostileFramesEachGetAClearErrorAndChangeNothing() throws Exception {
        Path socket = startDaemon();
        try (Wire w = new Wire(socket)) {
            assertThat(w.call("this is not json").path("error").path("code").asInt()).isEqualTo(RpcErrors.PARSE_ERROR);
            String deep = "[".repeat(10_000) + "]".repeat(10_000);
            JsonNode nested = w.call("{\"jsonrpc\": \"2.0\", \"id\": 1, \"method\": \"inventory\", \"params\": " + deep + "}");
            assertThat(nested.path("error").path("code").asInt()).isIn(RpcErrors.PARSE_ERROR, RpcErrors.INVALID_REQUEST);
            JsonNode unknown = w.call("{\"jsonrpc\": \"2.0\", \"id\": 2, \"method\": \"format_disk\", \"params\": {}}");
            assertThat(unknown.path("error").path("code").asInt()).isEqualTo(RpcErrors.METHOD_NOT_FOUND);
            JsonNode wrongType = w.call("{\"jsonrpc\": \"2.0\", \"id\": 3, \"method\": \"connect_volume\","
                    + " \"params\": {\"connection_info\": 5}}");
            assertThat(wrongType.path("error").path("code").asInt()).isEqualTo(RpcErrors.INVALID_PARAMS);
            assertThat(wrongType.path("error").path("message").asText()).contains("connection_info");
            JsonNode shell = w.call("{\"jsonrpc\": \"2.0\", \"id\": 4, \"method\": \"connect_volume\", \"params\":"
                    + " {\"connection_info\": {\"driver_volume_type\": \"fibre_channel\", \"serial\":"
                    + " \"aaaaaaaa-1111-4000-8000-000000000001\", \"data\": {\"target_wwn\": \"500a;rm -rf /\","
                    + " \"target_lun\": 1}}}}");
            assertThat(shell.path("error").path("code").asInt()).isEqualTo(RpcErrors.INVALID_PARAMS);
            assertThat(shell.path("error").path("message").asText()).contains("target_wwn");
        }
        try (Wire big = new Wire(socket)) {
            long t0 = System.nanoTime();
            Thread writer = new Thread(() -> {
                byte[] chunk = new byte[1 << 20];
                Arrays.fill(chunk, (byte) 'x');
                try {
                    for (int i = 0; i < 50; i++) {
                        big.write(chunk);
                    }
                    big.write("\n".getBytes(StandardCharsets.UTF_8));
                } catch (IOException expected) {
                    // the daemon closed the connection, as it should
                }
            });
            writer.start();
            JsonNode error = big.read();
            assertThat(error.path("error").path("code").asInt()).isEqualTo(RpcErrors.INVALID_REQUEST);
            assertThat(big.read()).as("the connection is closed after the error").isNull();
            writer.join(30_000);
            System.out.printf("daemon: 50 MB frame refused in %d ms%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        }
        try (RpcClient c = new RpcClient(socket, Duration.ofSeconds(30))) {
            assertThat(c.call("list_attachments", JSON.createObjectNode()).path("attachments")).isEmpty();
            assertThat(c.call("inventory", JSON.createObjectNode()).path("recovery")).isEmpty();
        }
    }

    @Test
    void aFaultPointThatDoesNotParseStopsTheStartNamingIt() throws Exception {
        Process p = launch(daemonArgv(BRICKD_JVM), Map.of("BRICKD_FAULT_STOP_AT", "attach:format"));

        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("brickd exits: %s", log()).isTrue();
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(log()).contains("invalid BRICKD_FAULT_STOP_AT \"attach:format\"").contains("node-delete")
                .doesNotContain("brickd ready");
    }

    @Test
    void aFaultPointIsAnnouncedLoudlyAtStart() throws Exception {
        Path socket = startDaemon(Map.of("BRICKD_FAULT_STOP_AT", "detach:logout"));

        assertThat(log()).contains("BRICKD_FAULT_STOP_AT=detach:logout is set: this daemon will STOP ITSELF (SIGSTOP)"
                + " at the first 'logout' step of a 'detach' intent");
        try (RpcClient c = new RpcClient(socket, Duration.ofSeconds(30))) {
            assertThat(c.call("list_attachments", JSON.createObjectNode()).path("attachments")).isEmpty();
        }
    }

    @Test
    void socketActivationBySystemdSocketActivateServesTheInheritedSocket() throws Exception {
        Path activate = Path.of("/usr/bin/systemd-socket-activate");
        assertThat(activate).as("systemd-socket-activate (Debian's systemd package; bin/install-deps installs it)")
                .isExecutable();
        Path socket = dir.resolve("activated.sock");
        List<String> argv = new ArrayList<>(List.of(activate.toString(), "-l", socket.toString()));
        argv.addAll(java("--state-dir", dir.resolve("state").toString(), "--config", config().toString()));
        Process p = launch(argv);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(socket)) {
            assertThat(p.isAlive()).as("systemd-socket-activate exited: %s", log()).isTrue();
            assertThat(System.nanoTime()).isLessThan(deadline);
            p.waitFor(20, TimeUnit.MILLISECONDS);
        }
        // the first connection starts brickd, which takes over the listening socket (fd 3)
        try (RpcClient c = new RpcClient(socket, Duration.ofSeconds(60))) {
            JsonNode props = c.call("get_connector_properties", JSON.createObjectNode());
            assertThat(props.has("initiator")).as("%s / log %s", props, log()).isTrue();
        }
        assertThat(log()).contains("socket activation: serving the socket passed as fd 3");
    }

    private List<String> auditLines() {
        return log().lines().filter(l -> l.contains(" audit: rpc ")).toList();
    }

    @Test
    void theAuditLogNamesTheCallingProcess() throws Exception {
        Path socket = startDaemon();
        try (RpcClient c = new RpcClient(socket, Duration.ofSeconds(30))) {
            c.call("list_attachments", JSON.createObjectNode());
        }
        long me = ProcessHandle.current().pid();
        assertThat(auditLines()).singleElement().satisfies(line -> assertThat(line)
                .contains("method=list_attachments").contains(" pid=" + me + " ")
                .contains(" uid=" + new com.sun.security.auth.module.UnixSystem().getUid() + " "));
        assertThat(log()).doesNotContain("peer pids are not audited");
    }

    @Test
    void withoutTheOpensFlagOrWithABadNotifySocketItServesAndSaysSoOnce() throws Exception {
        Path socket = startDaemon(List.of("-XX:+UseSerialGC"), Map.of("NOTIFY_SOCKET", "run/systemd/notify"));
        for (int i = 0; i < 2; i++) {
            try (RpcClient c = new RpcClient(socket, Duration.ofSeconds(30))) {
                c.call("list_attachments", JSON.createObjectNode());
            }
        }
        assertThat(auditLines()).hasSize(2).allSatisfy(line -> assertThat(line).contains(" pid=-1 "));
        assertThat(log().lines().filter(l -> l.contains("peer pids are not audited")))
                .singleElement().asString().contains("--add-opens java.base/sun.nio.ch=ALL-UNNAMED");
        assertThat(log()).contains("not notifying the service manager: invalid NOTIFY_SOCKET \"run/systemd/notify\"");
    }

    @Test
    void systemdHearsReadyOnceTheSocketAnswersAndStoppingAtSigterm() throws Exception {
        String address = dir.resolve("notify").toString();
        try (NotifyListener systemd = NotifyListener.bind(address)) {
            Process p = launch(daemonArgv(BRICKD_JVM), Map.of("NOTIFY_SOCKET", address));
            List<String> before = new ArrayList<>();
            String ready = systemd.receive(Duration.ofSeconds(60));
            while (ready != null && !ready.lines().toList().contains("READY=1")) {
                before.add(ready);
                ready = systemd.receive(Duration.ofSeconds(60));
            }
            assertThat(ready).as("READY=1 within 60 s; log %s", log()).isNotNull();
            // the moment systemd hears READY=1, a client's first connect is answered
            try (RpcClient c = new RpcClient(dir.resolve("brickd.sock"), Duration.ofSeconds(30))) {
                assertThat(c.call("list_attachments", JSON.createObjectNode()).path("attachments")).isEmpty();
            }
            assertThat(ready.lines()).contains("MAINPID=" + p.pid()).anyMatch(l -> l.startsWith("STATUS=serving"));
            assertThat(before).as("recovery is announced before READY").contains("STATUS=recovering open intents");

            p.destroy(); // SIGTERM
            String stopping = systemd.receive(Duration.ofSeconds(30));
            assertThat(stopping).as("log %s", log()).isNotNull();
            assertThat(stopping.lines()).first().isEqualTo("STOPPING=1");
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(systemd.receive(Duration.ZERO)).as("nothing after STOPPING=1").isNull();
        }
    }
}
