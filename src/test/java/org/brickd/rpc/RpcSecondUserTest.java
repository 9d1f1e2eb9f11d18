package org.brickd.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Authorization against a real second user: the kernel's SO_PEERCRED, not a fake resolver,
 * decides who "nobody" is. Needs root, runuser and the nobody account; skipped without them.
 */
@Timeout(120)
class RpcSecondUserTest {

    private static final Path RUNUSER = Path.of("/usr/sbin/runuser");

    record Outcome(int exit, JsonNode json, String stderr) {}

    @Test
    void nobodyIsJudgedByItsKernelCredentials(@TempDir Path dir) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root to run a client as another user");
        assumeTrue(Files.isExecutable(RUNUSER), "needs " + RUNUSER);
        PosixNames names = PosixNames.system();
        assumeTrue(names.uid("nobody").isPresent(), "needs the nobody account");
        String nobodysGroup = names.groupsOf("nobody").iterator().next();

        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        String classpath = readableClasspath(dir.resolve("cp"));
        MethodTable table = new MethodTable()
                .register("attach", Access.MUTATE, (p, c) -> JsonNodeFactory.instance.objectNode().put("attached", true))
                .register("status", Access.READ, (p, c) -> JsonNodeFactory.instance.objectNode()
                        .put("user", c.user()).put("uid", c.uid()).put("group", c.group()));
        RpcServerOptions open = RpcServerOptions.defaults().withSocketMode(0666).withSocketGroup(null);
        Path readable = dir.resolve("readers.sock");
        Path strict = dir.resolve("strict.sock");

        try (RpcServer a = RpcServer.bind(readable, table, new Authorizer(Set.of("root"), Set.of(), Set.of(nobodysGroup)), open);
                RpcServer b = RpcServer.bind(strict, table, new Authorizer(Set.of("root"), Set.of(), Set.of()), open)) {
            CompletableFuture<Outcome> mutate = asNobody(dir, classpath, readable, "attach");
            CompletableFuture<Outcome> read = asNobody(dir, classpath, readable, "status");
            CompletableFuture<Outcome> readRefused = asNobody(dir, classpath, strict, "status");

            Outcome m = mutate.get(90, TimeUnit.SECONDS);
            assertThat(m.exit()).as(m.toString()).isEqualTo(1);
            assertThat(m.json().path("code").asInt()).isEqualTo(-32001);
            assertThat(m.json().path("message").asText()).isEqualTo("not authorized: user \"nobody\" may not call attach");

            Outcome r = read.get(90, TimeUnit.SECONDS);
            assertThat(r.exit()).as(r.toString()).isZero();
            assertThat(r.json().path("user").asText()).isEqualTo("nobody");
            assertThat(r.json().path("uid").asInt()).isEqualTo(names.uid("nobody").getAsInt());
            assertThat(r.json().path("group").asText()).isEqualTo(nobodysGroup);

            Outcome s = readRefused.get(90, TimeUnit.SECONDS);
            assertThat(s.exit()).as(s.toString()).isEqualTo(1);
            assertThat(s.json().path("code").asInt()).isEqualTo(-32001);
            assertThat(a.openConnections() + b.openConnections()).as("clients gone").isLessThanOrEqualTo(3);
        }
    }

    private static CompletableFuture<Outcome> asNobody(Path dir, String classpath, Path socket, String method) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                Path err = Files.createTempFile(dir, "stderr", ".txt");
                Process p = new ProcessBuilder(RUNUSER.toString(), "-u", "nobody", "--",
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-XX:TieredStopAtLevel=1", "-Xmx64m", "-cp", classpath,
                        RpcClient.class.getName(), socket.toString(), method, "{}")
                        .directory(dir.toFile())
                        .redirectError(err.toFile())
                        .start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (!p.waitFor(Duration.ofSeconds(60).toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    throw new IllegalStateException("client as nobody did not finish");
                }
                String stderr = Files.readString(err);
                String[] lines = out.strip().split("\n");
                JsonNode json = lines[lines.length - 1].isBlank() ? null : Wire.JSON.readTree(lines[lines.length - 1]);
                return new Outcome(p.exitValue(), json, stderr);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        });
    }

    /**
     * The test JVM's classpath lives under root's home (Maven's repository), which nobody
     * cannot enter: copy what RpcClient needs (brickd's classes, Jackson, slf4j) somewhere it can.
     */
    private static String readableClasspath(Path into) throws IOException {
        List<String> entries = new ArrayList<>();
        int n = 0;
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path src = Path.of(e);
            String name = src.getFileName().toString();
            if (Files.isDirectory(src) && Files.exists(src.resolve("org/brickd/rpc/RpcClient.class"))) {
                Path dst = into.resolve("classes" + n++);
                copyTree(src, dst);
                entries.add(dst.toString());
            } else if (Files.isRegularFile(src) && (name.startsWith("jackson-") || name.startsWith("slf4j-api"))) {
                Files.createDirectories(into);
                Path dst = into.resolve(name);
                Files.copy(src, dst);
                entries.add(dst.toString());
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    private static void copyTree(Path src, Path dst) throws IOException {
        try (Stream<Path> walk = Files.walk(src)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path target = dst.resolve(src.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
