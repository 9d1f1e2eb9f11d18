package org.brickd.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.brickd.errors.BrickException;
import org.brickd.errors.DeadlineException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A JSON-RPC client for brickd's socket. One connection carries any number of concurrent calls
 * from any number of threads; a reader thread matches responses to calls by id.
 */
public final class RpcClient implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RpcClient.class);
    /** Responses (inventories, domain XML) may be larger than requests. */
    private static final int MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(5);

    private final SocketChannel channel;
    private final Path socket;
    private final Duration timeout;
    private final ObjectMapper mapper = RpcJson.mapper(256, MAX_RESPONSE_BYTES);
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final Object writeLock = new Object();
    private final Thread reader;
    private volatile RuntimeException closedBecause;
    /** An error the server could not tie to a request (id null): usually followed by the server closing. */
    private volatile RpcError unmatched;

    /** Connects to brickd's socket; calls wait up to {@link #DEFAULT_TIMEOUT}. */
    public RpcClient(Path socket) throws IOException {
        this(socket, DEFAULT_TIMEOUT);
    }

    /** @param timeout how long {@link #call} waits for each answer */
    public RpcClient(Path socket, Duration timeout) throws IOException {
        this.socket = socket;
        this.timeout = timeout;
        this.channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        this.reader = new Thread(this::readLoop, "brickd-rpc-client");
        this.reader.setDaemon(true);
        this.reader.start();
    }

    /** Calls and waits; throws {@link RpcError} on an error answer, a {@link DeadlineException} past the timeout. */
    public JsonNode call(String method, JsonNode params) {
        CompletableFuture<JsonNode> f = callAsync(method, params);
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new BrickException(BrickException.Code.INTERNAL,
                    "call " + method + " failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            f.cancel(false);
            throw new DeadlineException("no answer from brickd on " + socket + " to " + method + " within " + timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BrickException(BrickException.Code.UNAVAILABLE, "interrupted waiting for " + method, e);
        }
    }

    /** Sends a call; the future completes with the result or fails with {@link RpcError}. */
    public CompletableFuture<JsonNode> callAsync(String method, JsonNode params) {
        long id = ids.incrementAndGet();
        CompletableFuture<JsonNode> f = new CompletableFuture<>();
        f.whenComplete((r, t) -> pending.remove(id));
        pending.put(id, f);
        if (closedBecause != null) {
            f.completeExceptionally(closedBecause);
            return f;
        }
        try {
            send(request(method, params).put("id", id));
        } catch (IOException e) {
            f.completeExceptionally(new BrickException(BrickException.Code.UNAVAILABLE,
                    "cannot send " + method + " to brickd on " + socket + ": " + e.getMessage(), e));
        }
        return f;
    }

    /** Sends a notification: the server runs it and answers nothing. */
    public void notify(String method, JsonNode params) throws IOException {
        send(request(method, params));
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debug("close: {}", e.toString());
        }
        try {
            reader.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private ObjectNode request(String method, JsonNode params) {
        ObjectNode r = JsonNodeFactory.instance.objectNode();
        r.put("jsonrpc", "2.0");
        r.put("method", method);
        r.set("params", params == null ? JsonNodeFactory.instance.objectNode() : params);
        return r;
    }

    private void send(ObjectNode request) throws IOException {
        byte[] body = mapper.writeValueAsBytes(request);
        ByteBuffer out = ByteBuffer.allocate(body.length + 1).put(body).put((byte) '\n').flip();
        synchronized (writeLock) {
            while (out.hasRemaining()) {
                channel.write(out);
            }
        }
    }

    private void readLoop() {
        FrameReader frames = new FrameReader(channel, MAX_RESPONSE_BYTES, n -> { });
        RuntimeException why = null;
        try {
            int length;
            while ((length = frames.next()) >= 0) {
                accept(mapper.readTree(frames.frame(), 0, length));
            }
        } catch (IOException e) {
            why = new BrickException(BrickException.Code.UNAVAILABLE,
                    "connection to brickd on " + socket + " failed: " + e.getMessage(), e);
        }
        RpcError last = unmatched;
        closedBecause = last != null ? last : why != null ? why
                : new BrickException(BrickException.Code.UNAVAILABLE, "brickd closed the connection on " + socket);
        pending.values().forEach(f -> f.completeExceptionally(closedBecause));
    }

    private void accept(JsonNode response) {
        JsonNode id = response.get("id");
        JsonNode error = response.get("error");
        if (id == null || !id.canConvertToLong()) {
            if (error != null) {
                unmatched = RpcError.fromJson(error);
                LOG.warn("brickd reported an error for no call: {}", unmatched.toString());
            }
            return;
        }
        CompletableFuture<JsonNode> f = pending.get(id.asLong());
        if (f == null) {
            LOG.debug("answer for unknown call {}", id);
            return;
        }
        if (error != null) {
            f.completeExceptionally(RpcError.fromJson(error));
        } else {
            f.complete(response.get("result"));
        }
    }

    /** {@code RpcClient SOCKET METHOD PARAMS_JSON}: prints the result (exit 0) or the error object (exit 1). */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length != 3) {
            err.println("usage: RpcClient SOCKET METHOD PARAMS_JSON");
            return 2;
        }
        JsonNode params;
        try {
            params = new ObjectMapper().readTree(args[2]);
        } catch (IOException e) {
            err.println("PARAMS_JSON is not JSON: " + e.getMessage());
            return 2;
        }
        try (RpcClient c = new RpcClient(Path.of(args[0]))) {
            out.println(c.call(args[1], params));
            return 0;
        } catch (RpcError e) {
            out.println(e.toJson());
            return 1;
        } catch (IOException | RuntimeException e) {
            err.println("brickd call failed: " + e.getMessage());
            return 2;
        }
    }
}
