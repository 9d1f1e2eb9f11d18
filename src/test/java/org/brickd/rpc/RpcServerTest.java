package org.brickd.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.security.auth.module.UnixSystem;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.brickd.errors.BrickException;
import org.brickd.errors.HostException;
import org.brickd.errors.InvalidInputException;
import org.brickd.host.JnaNative;
import org.brickd.host.PeerCredentials;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class RpcServerTest {

    @TempDir
    Path dir;

    private final List<AutoCloseable> open = new ArrayList<>();
    private final AtomicInteger notified = new AtomicInteger();
    private volatile CountDownLatch gate = new CountDownLatch(1);
    private volatile CountDownLatch entered = new CountDownLatch(1);

    private MethodTable methods() {
        return new MethodTable()
                .register("echo", Access.READ, (p, c) -> p)
                .register("whoami", Access.READ, (p, c) -> JsonNodeFactory.instance.objectNode()
                        .put("user", c.user()).put("uid", c.uid()).put("pid", c.pid()))
                .register("attach", Access.MUTATE, (p, c) -> JsonNodeFactory.instance.objectNode().put("attached", true))
                .register("check_volume", Access.READ, (p, c) -> {
                    throw new InvalidInputException("volume_id", p.get("volume_id"), "must be a string");
                })
                .register("boom", Access.READ, (p, c) -> {
                    throw new IllegalStateException("kaboom");
                })
                .register("note", Access.READ, (p, c) -> {
                    notified.incrementAndGet();
                    return null;
                })
                .register("wait_gate", Access.MUTATE, (p, c) -> {
                    entered.countDown();
                    try {
                        if (!gate.await(20, TimeUnit.SECONDS)) {
                            throw new IllegalStateException("gate never opened");
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new BrickException(BrickException.Code.UNAVAILABLE, "interrupted at stop");
                    }
                    return p;
                });
    }

    private static RpcServerOptions options() {
        return RpcServerOptions.defaults().withSocketGroup(null).withStopDeadline(Duration.ofSeconds(10));
    }

    private Path socket() {
        return dir.resolve("brickd.sock");
    }

    private RpcServer start(RpcServerOptions options, Authorizer auth) throws IOException {
        RpcServer s = RpcServer.bind(socket(), methods(), auth, options);
        open.add(s);
        return s;
    }

    private RpcServer start() throws IOException {
        return start(options(), Authorizer.rootOnly());
    }

    private <T extends AutoCloseable> T track(T c) {
        open.add(0, c);
        return c;
    }

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private static ObjectNode obj() {
        return JsonNodeFactory.instance.objectNode();
    }

    @Test
    void echoesARoundTrip() throws Exception {
        start();
        RpcClient client = track(new RpcClient(socket()));

        JsonNode params = Wire.JSON.readTree("{\"a\": 1, \"b\": [\"x\", {\"c\": null}], \"u\": \"\u00e9\\n\"}");
        assertThat(client.call("echo", params)).isEqualTo(params);

        Wire wire = track(new Wire(socket()));
        JsonNode r = wire.call("{\"jsonrpc\":\"2.0\",\"id\":\"abc\",\"method\":\"echo\",\"params\":{\"k\":2}}");
        assertThat(r.toString()).isEqualTo("{\"jsonrpc\":\"2.0\",\"id\":\"abc\",\"result\":{\"k\":2}}");
        // absent params arrive as an empty object
        assertThat(wire.call("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\"}").path("result")).isEqualTo(obj());
    }

    @Test
    void aClientThatNeverReadsItsAnswersIsCutOffAndTheWorkersServeOthers() throws Exception {
        // two workers: without the write timeout both would block for good writing to the greedy client
        RpcServer server = start(options().withWorkers(2).withWriteTimeout(Duration.ofMillis(300)), Authorizer.rootOnly());
        java.nio.channels.SocketChannel greedy = track(java.nio.channels.SocketChannel.open(UnixDomainSocketAddress.of(socket())));
        byte[] frame = ("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":{\"s\":\"" + "x".repeat(60_000)
                + "\"}}\n").getBytes(StandardCharsets.UTF_8);
        java.util.concurrent.atomic.AtomicReference<IOException> cutOff = new java.util.concurrent.atomic.AtomicReference<>();
        Thread sender = new Thread(() -> {
            try {
                for (int i = 0; i < 200; i++) { // 12 MB of requests, 12 MB of answers: far beyond any socket buffer
                    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(frame);
                    while (b.hasRemaining()) {
                        greedy.write(b);
                    }
                }
            } catch (IOException e) {
                cutOff.set(e);
            }
        });
        sender.setDaemon(true);
        sender.start();

        sender.join(20_000);
        assertThat(sender.isAlive()).as("the greedy client still blocked in its write (the server stopped reading it)").isFalse();
        assertThat(cutOff.get()).as("the server closed the greedy connection").isNotNull();
        RpcClient other = track(new RpcClient(socket(), Duration.ofSeconds(10)));
        assertThat(other.call("echo", obj().put("k", 1))).isEqualTo(obj().put("k", 1));
        assertThat(server.openConnections()).as("connections open: only the other client's").isEqualTo(1);
    }

    @Test
    void callsStillQueuedWhenTheServerClosesTheirConnectionNeverRun() throws Exception {
        start(options().withWorkers(1).withMaxFrameBytes(4096), Authorizer.rootOnly());
        Wire wire = track(new Wire(socket()));
        wire.write("{\"jsonrpc\":\"2.0\",\"id\":0,\"method\":\"wait_gate\",\"params\":{}}\n"
                .getBytes(StandardCharsets.UTF_8));
        assertThat(entered.await(10, TimeUnit.SECONDS)).as("the only worker is busy").isTrue();
        StringBuilder queued = new StringBuilder();
        for (int i = 1; i <= 20; i++) {
            queued.append("{\"jsonrpc\":\"2.0\",\"id\":").append(i).append(",\"method\":\"note\",\"params\":{}}\n");
        }
        wire.write(queued.toString().getBytes(StandardCharsets.UTF_8));
        // a protocol violation: the server answers it and closes the connection
        wire.write(("\"" + "x".repeat(8192) + "\"\n").getBytes(StandardCharsets.UTF_8));
        JsonNode tooLong;
        while ((tooLong = wire.read()) != null && !tooLong.path("id").isNull()) {
            // the gate call may answer first once the gate opens; there is no other answer
        }
        assertThat(tooLong).as("the frame-too-long error").isNotNull();
        assertThat(wire.read()).as("the connection is closed").isNull();

        gate.countDown();
        // one worker, first come first served: once this answers, every call queued before it is done or dropped
        RpcClient other = track(new RpcClient(socket(), Duration.ofSeconds(10)));
        assertThat(other.call("echo", obj().put("k", 1))).isEqualTo(obj().put("k", 1));
        assertThat(notified.get()).as("queued calls of the closed connection that ran").isZero();
    }

    @Test
    void theCallerComesFromTheKernelByNameWithoutThePid() throws Exception {
        start();
        RpcClient client = track(new RpcClient(socket()));
        JsonNode me = client.call("whoami", obj());
        assertThat(me.path("user").asText()).isEqualTo(System.getProperty("user.name"));
        assertThat(me.path("pid").asInt()).isEqualTo(-1);
        if ("root".equals(System.getProperty("user.name"))) {
            assertThat(me.path("uid").asInt()).isZero();
        }
    }

    @Test
    void theAuditLogCarriesTheKernelsPidAndIdsOfTheCaller() throws Exception {
        ch.qos.logback.classic.Logger audit = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("org.brickd.audit");
        ListAppender<ILoggingEvent> lines = new ListAppender<>();
        lines.start();
        audit.addAppender(lines);
        try {
            PeerCredentials kernel = new PeerCredentials(new JnaNative());
            assertThat(kernel.available()).as("surefire runs with --add-opens java.base/sun.nio.ch").isTrue();
            start(options().withCallers(CallerResolver.system(kernel)), Authorizer.rootOnly());
            RpcClient client = track(new RpcClient(socket()));
            JsonNode me = client.call("whoami", obj());

            UnixSystem self = new UnixSystem();
            long pid = ProcessHandle.current().pid();
            assertThat(me.path("pid").asLong()).isEqualTo(pid);
            assertThat(me.path("uid").asLong()).isEqualTo(self.getUid());
            assertThat(me.path("user").asText()).isEqualTo(System.getProperty("user.name"));
            assertThat(lines.list).extracting(ILoggingEvent::getFormattedMessage)
                    .anySatisfy(line -> assertThat(line).contains("method=whoami")
                            .contains(" uid=" + self.getUid() + " ").contains(" pid=" + pid + " "));
        } finally {
            audit.detachAppender(lines);
        }
    }

    @Test
    void manyClientsWithManyCallsInFlightEachRunConcurrently() throws Exception {
        int clients = 32;
        int perClient = 4;
        int total = clients * perClient;
        CountDownLatch arrived = new CountDownLatch(total);
        MethodTable table = methods().register("gather", Access.READ, (p, c) -> {
            arrived.countDown();
            try {
                // returns only once every call of every client is running at the same time
                if (!arrived.await(20, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("only " + (total - arrived.getCount()) + " calls arrived");
                }
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return p;
        });
        RpcServer server = track(RpcServer.bind(socket(), table, Authorizer.rootOnly(),
                options().withWorkers(total).withQueueCapacity(total)));

        List<RpcClient> cs = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            cs.add(track(new RpcClient(socket())));
        }
        List<CompletableFuture<JsonNode>> calls = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            for (int j = 0; j < perClient; j++) {
                calls.add(cs.get(i).callAsync("gather", obj().put("client", i).put("call", j)));
            }
        }
        for (int i = 0; i < clients; i++) {
            for (int j = 0; j < perClient; j++) {
                JsonNode r = calls.get(i * perClient + j).get(30, TimeUnit.SECONDS);
                assertThat(r.path("client").asInt()).isEqualTo(i);
                assertThat(r.path("call").asInt()).isEqualTo(j);
            }
        }
        assertThat(server.openConnections()).isEqualTo(clients);

        // Throughput: 32 connections x 500 echo calls, 4 in flight on each (all fit the pool and queue).
        int n = 500;
        long t0 = System.nanoTime();
        List<CompletableFuture<Void>> loops = new ArrayList<>();
        for (RpcClient c : cs) {
            loops.add(CompletableFuture.runAsync(() -> {
                List<CompletableFuture<JsonNode>> window = new ArrayList<>();
                for (int k = 0; k < n; k++) {
                    window.add(c.callAsync("echo", obj().put("k", k)));
                    if (window.size() == 4) {
                        window.forEach(CompletableFuture::join);
                        window.clear();
                    }
                }
                window.forEach(CompletableFuture::join);
            }));
        }
        for (CompletableFuture<Void> l : loops) {
            l.get(60, TimeUnit.SECONDS);
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        System.out.printf("rpc throughput: %d clients x %d calls in %d ms (%.0f calls/s)%n",
                clients, n, ms, clients * n * 1000.0 / Math.max(ms, 1));
    }

    @Test
    void anOversizedFrameGetsOneErrorThenTheConnectionCloses() throws Exception {
        RpcServer server = start();
        Wire big = track(new Wire(socket()));
        long t0 = System.nanoTime();
        Thread writer = new Thread(() -> {
            byte[] chunk = new byte[1024 * 1024];
            Arrays.fill(chunk, (byte) 'x');
            chunk[0] = '"';
            try {
                for (int i = 0; i < 50; i++) {
                    big.write(chunk);
                    chunk[0] = 'x';
                }
                big.write("\"\n".getBytes(StandardCharsets.UTF_8));
            } catch (IOException expected) {
                // the server closed on us, as it should
            }
        });
        writer.start();

        JsonNode error = big.read();
        assertThat(error.path("id").isNull()).isTrue();
        assertThat(error.path("error").path("code").asInt()).isEqualTo(-32600);
        assertThat(error.path("error").path("message").asText()).contains("frame exceeds 1048576 bytes");
        assertThat(big.read()).isNull();
        writer.join(10_000);
        System.out.printf("rpc: 50 MB frame refused in %d ms, peak line buffer %d bytes%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), server.peakFrameBufferBytes());

        assertThat(server.peakFrameBufferBytes()).isLessThanOrEqualTo(RpcServerOptions.DEFAULT_MAX_FRAME);
        RpcClient other = track(new RpcClient(socket()));
        assertThat(other.call("echo", obj().put("still", "serving")).path("still").asText()).isEqualTo("serving");
    }

    @Test
    void aFrameAtTheCapIsServed() throws Exception {
        RpcServer server = start(options().withMaxFrameBytes(4096), Authorizer.rootOnly());
        Wire wire = track(new Wire(socket()));
        String head = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":{\"s\":\"";
        String tail = "\"}}";
        String exact = head + "y".repeat(4096 - head.length() - tail.length()) + tail;
        assertThat(exact).hasSize(4096);
        assertThat(wire.call(exact).path("result").path("s").asText()).hasSize(4096 - head.length() - tail.length());
        assertThat(wire.call(exact.replace("\"s\":\"", "\"s\":\"z")).path("error").path("code").asInt()).isEqualTo(-32600);
        assertThat(wire.read()).isNull();
        assertThat(server.peakFrameBufferBytes()).isLessThanOrEqualTo(4096);
    }

    @Test
    void garbageIsAParseErrorAndTheConnectionStaysUsable() throws Exception {
        start();
        Wire wire = track(new Wire(socket()));
        for (String bad : new String[] {"not json", "{\"jsonrpc\":", "{\"a\":1} trailing",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"method\":\"attach\"}"}) {
            JsonNode r = wire.call(bad);
            assertThat(r.path("error").path("code").asInt()).as(bad).isEqualTo(-32700);
            assertThat(r.path("id").isNull()).isTrue();
        }
        wire.send("");
        wire.send("   ");
        assertThat(wire.call("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"echo\",\"params\":{}}").path("id").asInt()).isEqualTo(9);
    }

    @Test
    void deepNestingIsRefusedWithoutRecursion() throws Exception {
        start();
        Wire wire = track(new Wire(socket()));
        String deep = "[".repeat(10_000) + "]".repeat(10_000);
        JsonNode r = wire.call(deep);
        assertThat(r.path("error").path("code").asInt()).isIn(-32700, -32600);
        assertThat(r.path("error").path("message").asText()).containsIgnoringCase("depth");

        String deepParams = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"echo\",\"params\":{\"a\":"
                + "{\"b\":".repeat(10_000) + "1" + "}".repeat(10_000) + "}}";
        assertThat(wire.call(deepParams).path("error").path("code").asInt()).isIn(-32700, -32600);
        assertThat(wire.call("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"echo\"}").has("result")).isTrue();
    }

    @Test
    void malformedRequestsAreInvalidRequests() throws Exception {
        start();
        Wire wire = track(new Wire(socket()));
        String[][] cases = {
            {"[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\"}]", "null", "batch"},
            {"42", "null", "object"},
            {"{\"jsonrpc\":\"1.0\",\"id\":5,\"method\":\"echo\"}", "5", "jsonrpc"},
            {"{\"id\":6,\"method\":\"echo\"}", "6", "jsonrpc"},
            {"{\"jsonrpc\":\"2.0\",\"id\":7}", "7", "method"},
            {"{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":3}", "8", "method"},
            {"{\"jsonrpc\":\"2.0\",\"id\":{\"x\":1},\"method\":\"echo\"}", "null", "id"},
            {"{\"jsonrpc\":\"2.0\",\"method\":7}", "null", "method"},
        };
        for (String[] c : cases) {
            JsonNode r = wire.call(c[0]);
            assertThat(r.path("error").path("code").asInt()).as(c[0]).isEqualTo(-32600);
            assertThat(r.path("id").toString()).as(c[0]).isEqualTo(c[1]);
            assertThat(r.path("error").path("message").asText()).as(c[0]).contains(c[2]);
        }
    }

    @Test
    void unknownMethodIsMethodNotFound() throws Exception {
        start();
        RpcClient client = track(new RpcClient(socket()));
        RpcError e = catchThrowableOfType(RpcError.class, () -> client.call("no_such\u0001method", obj()));
        assertThat(e.code()).isEqualTo(-32601);
        assertThat(e.getMessage()).isEqualTo("method not found: \"no_such\\x01method\"");
    }

    @Test
    void badParamsAreInvalidParamsNamingTheField() throws Exception {
        start();
        RpcClient client = track(new RpcClient(socket()));
        RpcError e = catchThrowableOfType(RpcError.class, () -> client.call("check_volume", obj().put("volume_id", 12)));
        assertThat(e.code()).isEqualTo(-32602);
        assertThat(e.data().path("field").asText()).isEqualTo("volume_id");
        assertThat(e.getMessage()).contains("volume_id");

        Wire wire = track(new Wire(socket()));
        for (String params : new String[] {"[1,2]", "\"x\"", "null"}) {
            JsonNode r = wire.call("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":" + params + "}");
            assertThat(r.path("error").path("code").asInt()).as(params).isEqualTo(-32602);
        }
    }

    @Test
    void anUnexpectedExceptionIsAnInternalError() throws Exception {
        start();
        RpcClient client = track(new RpcClient(socket()));
        RpcError e = catchThrowableOfType(RpcError.class, () -> client.call("boom", obj().put("auth_password", "p")));
        assertThat(e.code()).isEqualTo(-32603);
        assertThat(e.getMessage()).isEqualTo("internal error: java.lang.IllegalStateException: kaboom");
        assertThat(client.call("echo", obj().put("after", 1)).path("after").asInt()).isEqualTo(1);
    }

    @Test
    void anUnauthorizedCallerIsRefusedBeforeTheMethodRuns() throws Exception {
        // The test runs as root, whom production always allows: pose as alice instead.
        CallerResolver alice = peer -> new Caller(1000, 1000, -1, "alice", "alice", Set.of("brickd-ro"));
        start(options().withCallers(alice), new Authorizer(Set.of("nova"), Set.of("brickd"), Set.of("brickd-ro")));
        RpcClient client = track(new RpcClient(socket()));

        RpcError e = catchThrowableOfType(RpcError.class, () -> client.call("wait_gate", obj().put("volume_id", "vol-1")));
        assertThat(e.code()).isEqualTo(-32001);
        assertThat(e.getMessage()).isEqualTo("not authorized: user \"alice\" may not call wait_gate");
        assertThat(entered.getCount()).as("the method never ran").isEqualTo(1);
        assertThat(client.call("echo", obj().put("read", true)).path("read").asBoolean()).isTrue();
    }

    @Test
    void notificationsRunButGetNoAnswer() throws Exception {
        start();
        Wire wire = track(new Wire(socket()));
        wire.send("{\"jsonrpc\":\"2.0\",\"method\":\"note\",\"params\":{}}");
        wire.send("{\"jsonrpc\":\"2.0\",\"method\":\"no_such_method\"}");
        wire.send("{\"jsonrpc\":\"2.0\",\"method\":\"boom\"}");
        wire.send("{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":[1]}");
        wire.send("{\"jsonrpc\":\"2.0\",\"method\":\"note\"}");
        wire.send("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"echo\",\"params\":{}}");
        // Half-close: the server answers what is in flight, then closes; everything it sent is here.
        wire.channel.shutdownOutput();
        List<JsonNode> answers = new ArrayList<>();
        for (JsonNode r = wire.read(); r != null; r = wire.read()) {
            answers.add(r);
        }
        assertThat(answers).hasSize(1);
        assertThat(answers.get(0).path("id").asInt()).isEqualTo(1);
        assertThat(notified.get()).isEqualTo(2);
    }

    @Test
    void aSaturatedPoolAnswersBusyInsteadOfBlocking() throws Exception {
        start(options().withWorkers(1).withQueueCapacity(1), Authorizer.rootOnly());
        RpcClient client = track(new RpcClient(socket()));

        CompletableFuture<JsonNode> running = client.callAsync("wait_gate", obj().put("n", 1));
        assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<JsonNode> queued = client.callAsync("wait_gate", obj().put("n", 2));
        CompletableFuture<JsonNode> refused = client.callAsync("wait_gate", obj().put("n", 3));

        ExecutionException busy = catchThrowableOfType(ExecutionException.class, () -> refused.get(10, TimeUnit.SECONDS));
        RpcError e = (RpcError) busy.getCause();
        assertThat(e.code()).isEqualTo(-32005);
        assertThat(e.brickCode()).hasValue(BrickException.Code.BUSY);
        assertThat(e.getMessage()).startsWith("server busy");
        assertThat(running).isNotDone();

        gate.countDown();
        assertThat(running.get(10, TimeUnit.SECONDS).path("n").asInt()).isEqualTo(1);
        assertThat(queued.get(10, TimeUnit.SECONDS).path("n").asInt()).isEqualTo(2);
    }

    @Test
    void closeLetsACallInFlightFinishAndAnswer() throws Exception {
        RpcServer server = RpcServer.bind(socket(), methods(), Authorizer.rootOnly(), options());
        RpcClient client = track(new RpcClient(socket()));
        CompletableFuture<JsonNode> call = client.callAsync("wait_gate", obj().put("volume_id", "vol-9"));
        assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);
        Thread.sleep(200); // close must still be waiting for the call
        assertThat(closing).isNotDone();
        assertThat(Files.exists(socket())).as("no new connections while stopping").isFalse();

        gate.countDown();
        closing.get(10, TimeUnit.SECONDS);
        assertThat(call.get(1, TimeUnit.SECONDS).path("volume_id").asText()).isEqualTo("vol-9");
        assertThatThrownBy(() -> new RpcClient(socket())).isInstanceOf(IOException.class);
    }

    @Test
    void closeInterruptsWhatOutlivesTheDeadline() throws Exception {
        RpcServer server = RpcServer.bind(socket(), methods(), Authorizer.rootOnly(),
                options().withStopDeadline(Duration.ofMillis(300)));
        RpcClient client = track(new RpcClient(socket()));
        CompletableFuture<JsonNode> call = client.callAsync("wait_gate", obj());
        assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();

        long t0 = System.nanoTime();
        server.close();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isBetween(250L, 5000L);
        ExecutionException e = catchThrowableOfType(ExecutionException.class, () -> call.get(5, TimeUnit.SECONDS));
        assertThat(e.getCause()).isInstanceOfAny(RpcError.class, BrickException.class);
    }

    @Test
    void replacesOnlyAStaleSocket() throws Exception {
        Path path = socket();
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(path));
        }
        assertThat(Files.exists(path)).as("the JDK leaves the file behind").isTrue();
        start();
        RpcClient client = track(new RpcClient(path));
        assertThat(client.call("echo", obj().put("x", 1)).path("x").asInt()).isEqualTo(1);

        assertThatThrownBy(() -> RpcServer.bind(path, methods(), Authorizer.rootOnly(), options()))
                .isInstanceOf(BrickException.class).hasMessageContaining("another server answers");
        assertThat(client.call("echo", obj().put("x", 2)).path("x").asInt()).as("live server untouched").isEqualTo(2);

        Path regular = dir.resolve("not-a-socket");
        Files.writeString(regular, "keep me");
        assertThatThrownBy(() -> RpcServer.bind(regular, methods(), Authorizer.rootOnly(), options()))
                .isInstanceOf(HostException.class).hasMessageContaining("not a socket");
        assertThat(Files.readString(regular)).isEqualTo("keep me");
    }

    @Test
    void setsTheSocketModeAndGroup() throws Exception {
        String group = Files.exists(Path.of("/etc/group")) && Files.readString(Path.of("/etc/group")).contains("\nnogroup:")
                ? "nogroup" : null;
        start(options().withSocketMode(0660).withSocketGroup(group), Authorizer.rootOnly());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket(), LinkOption.NOFOLLOW_LINKS)))
                .isEqualTo("rw-rw----");
        if (group != null && "root".equals(System.getProperty("user.name"))) {
            assertThat(Files.getAttribute(socket(), "posix:group", LinkOption.NOFOLLOW_LINKS).toString()).isEqualTo(group);
        }
    }

    @Test
    void aMissingGroupLeavesTheSocketAlone() throws Exception {
        start(options().withSocketGroup("no-such-group-brickd-test"), Authorizer.rootOnly());
        RpcClient client = track(new RpcClient(socket()));
        assertThat(client.call("echo", obj()).isObject()).isTrue();
    }

    @Test
    void servesAnAlreadyListeningChannel() throws Exception {
        Path path = dir.resolve("activated.sock");
        ServerSocketChannel listening = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        listening.bind(UnixDomainSocketAddress.of(path));
        RpcServer server = track(RpcServer.serve(listening, methods(), Authorizer.rootOnly(), options()));
        RpcClient client = track(new RpcClient(path));
        assertThat(client.call("echo", obj().put("a", "b")).path("a").asText()).isEqualTo("b");
        server.close();
        assertThat(Files.exists(path)).as("the socket unit owns the file").isTrue();
    }

    @Test
    void theCommandLineClientPrintsResultOrError() throws Exception {
        start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = RpcClient.run(new String[] {socket().toString(), "echo", "{\"a\":1}"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(rc).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8).strip()).isEqualTo("{\"a\":1}");

        out.reset();
        rc = RpcClient.run(new String[] {socket().toString(), "nope", "{}"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(rc).isEqualTo(1);
        assertThat(Wire.JSON.readTree(out.toString(StandardCharsets.UTF_8)).path("code").asInt()).isEqualTo(-32601);
    }

    @Test
    void pendingCallsFailWhenTheServerGoesAway() throws Exception {
        RpcServer server = RpcServer.bind(socket(), methods(), Authorizer.rootOnly(),
                options().withStopDeadline(Duration.ZERO));
        RpcClient client = track(new RpcClient(socket(), Duration.ofSeconds(5)));
        CompletableFuture<JsonNode> call = client.callAsync("wait_gate", obj());
        assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
        server.close();
        assertThatThrownBy(() -> call.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
        assertThatThrownBy(() -> client.call("echo", obj())).isInstanceOfAny(BrickException.class, RpcError.class);
    }
}
