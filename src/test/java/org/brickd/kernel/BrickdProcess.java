package org.brickd.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.brickd.rpc.RpcClient;

/**
 * The real daemon as a process on the bed, started the way bin/brickd starts it, on its own
 * socket and state directory; tests talk to it only through the socket.
 */
final class BrickdProcess implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    final Path dir;
    final Path socket;
    final Path log;
    private final Path config;
    private Process process;
    private RpcClient client;

    /** @param configLines extra 'key = value' lines */
    BrickdProcess(Path dir, String... configLines) throws IOException {
        this.dir = dir;
        this.socket = dir.resolve("brickd.sock");
        this.log = dir.resolve("brickd.log");
        this.config = dir.resolve("brickd.conf");
        Files.createDirectories(dir.resolve("state"));
        Files.write(config, List.of(configLines));
    }

    BrickdProcess start() throws Exception {
        return start(Map.of());
    }

    /** Starts it with these extra environment variables (e.g. BRICKD_FAULT_STOP_AT). */
    BrickdProcess start(Map<String, String> env) throws Exception {
        Files.deleteIfExists(socket);
        long logOffset = Files.exists(log) ? Files.size(log) : 0;
        ProcessBuilder pb = new ProcessBuilder(System.getenv("BRICKD_HOME") + "/bin/brickd", "--socket", socket.toString(),
                "--state-dir", dir.resolve("state").toString(), "--config", config.toString());
        // C1 only, as the test JVM: under TCG, C2 compiles cost more than they return in a short run
        // and a JVM crash report next to the other bed logs (target/kernel-tier), not in the guest's /
        pb.environment().put("BRICKD_JAVA_OPTS", "-XX:+UseSerialGC -Xss512k -XX:TieredStopAtLevel=1 -XX:ErrorFile="
                + System.getenv("TB_OUT") + "/hs_err_pid%p.log");
        pb.environment().putAll(env);
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        long t0 = System.nanoTime();
        process = pb.start();
        long deadline = t0 + Duration.ofSeconds(180).toNanos();
        // ready = this start's "brickd ready" line (the log is appended to across restarts): the
        // socket file alone is not enough, it exists between bind(2) and listen(2)
        while (!logSince(logOffset).contains("brickd ready")) {
            assertThat(process.isAlive()).as("brickd exited early: %s", logTail()).isTrue();
            assertThat(System.nanoTime()).as("brickd ready within 180 s: %s", logTail()).isLessThan(deadline);
            process.waitFor(50, TimeUnit.MILLISECONDS); // bounded poll for the ready line
        }
        client = new RpcClient(socket, Duration.ofMinutes(3));
        System.out.printf("brickd: started in %d ms (pid %d)%n", (System.nanoTime() - t0) / 1_000_000, process.pid());
        return this;
    }

    JsonNode call(String method, String paramsJson) throws IOException {
        return client.call(method, JSON.readTree(paramsJson));
    }

    RpcClient client() {
        return client;
    }

    long pid() {
        return process.pid();
    }

    /** The process is stopped (SIGSTOP: state 'T' in /proc/PID/stat). */
    boolean stopped() throws IOException {
        String stat = Files.readString(Path.of("/proc/" + process.pid() + "/stat"));
        return stat.charAt(stat.lastIndexOf(')') + 2) == 'T';
    }

    boolean alive() {
        return process.isAlive();
    }

    /** SIGKILL: no shutdown hook runs (a crash). */
    void kill() throws InterruptedException {
        client.close();
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    private String logSince(long offset) throws IOException {
        if (!Files.exists(log)) {
            return "";
        }
        byte[] all = Files.readAllBytes(log);
        return new String(all, (int) Math.min(offset, all.length), (int) Math.max(0, all.length - offset),
                java.nio.charset.StandardCharsets.UTF_8);
    }

    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (client != null) {
            client.close();
        }
        if (process != null && process.isAlive()) {
            process.destroy(); // SIGTERM: the shutdown hook finishes in-flight calls
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
