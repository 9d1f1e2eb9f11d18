package org.brickd.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import org.brickd.errors.InvalidInputException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One accepted client. A reader thread turns frames into calls on the shared pool, so one
 * connection may have many calls in flight; their responses go out whole, in completion order,
 * under one write lock. The connection closes when the peer is done sending and its last call
 * has answered, at once on a protocol violation or server stop, and when an answer has waited
 * longer than the write timeout for the peer to read it (a peer that sends and never reads
 * would otherwise hold every worker that answers it, and then the write lock, forever).
 * Calls of a closed connection that no worker has started are taken off the shared queue at
 * once: nobody would read their answers, and they would keep other clients' calls waiting.
 */
final class RpcConnection {

    private static final Logger LOG = LoggerFactory.getLogger(RpcConnection.class);

    private final SocketChannel channel;
    private final Caller caller;
    private final Dispatcher dispatcher;
    private final ThreadPoolExecutor pool;
    private final int maxFrame;
    private final IntConsumer onBufferGrow;
    private final Runnable onClosed;
    private final Duration writeTimeout;
    private final ScheduledExecutorService writeTimer;
    private final Object writeLock = new Object();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Set<Runnable> queued = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean readerDone;
    private final Thread reader;

    RpcConnection(SocketChannel channel, Caller caller, Dispatcher dispatcher, ThreadPoolExecutor pool,
            int maxFrame, IntConsumer onBufferGrow, Runnable onClosed, String threadName, Duration writeTimeout,
            ScheduledExecutorService writeTimer) {
        this.channel = channel;
        this.caller = caller;
        this.dispatcher = dispatcher;
        this.pool = pool;
        this.maxFrame = maxFrame;
        this.onBufferGrow = onBufferGrow;
        this.onClosed = onClosed;
        this.writeTimeout = writeTimeout;
        this.writeTimer = writeTimer;
        this.reader = new Thread(this::readLoop, threadName);
        this.reader.setDaemon(true);
    }

    void start() {
        reader.start();
    }

    Caller caller() {
        return caller;
    }

    /** Stops taking requests; calls in flight still answer. */
    void stopReading() {
        try {
            channel.shutdownInput();
        } catch (IOException e) {
            LOG.debug("shutdownInput on connection of {}: {}", caller.user(), e.toString());
        }
    }

    void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        int dropped = dropQueued();
        if (dropped > 0) {
            LOG.warn("connection of {} (pid {}) closed: {} of its calls were still queued and will not run",
                    caller.user(), caller.pid(), dropped);
        }
        onClosed.run(); // first: once the peer sees its socket closed, the server no longer counts it
        try {
            channel.close();
        } catch (IOException e) {
            LOG.debug("closing connection of {}: {}", caller.user(), e.toString());
        }
    }

    void join(long millis) throws InterruptedException {
        reader.join(millis);
    }

    private void readLoop() {
        FrameReader frames = new FrameReader(channel, maxFrame, onBufferGrow);
        try {
            int length;
            while ((length = frames.next()) >= 0) {
                handle(frames.frame(), length);
            }
        } catch (FrameReader.FrameTooLongException e) {
            send(dispatcher.frameTooLong(caller, maxFrame));
            LOG.warn("closed connection of user {}: {}", InvalidInputException.show(caller.user()), e.getMessage());
            close();
        } catch (ClosedChannelException e) {
            // closed by us (stop, or a failed write)
        } catch (IOException e) {
            if (!closed.get()) {
                LOG.debug("read from {} failed: {}", caller.user(), e.toString());
            }
        } finally {
            readerDone = true;
            closeIfIdle();
        }
    }

    private void handle(byte[] frame, int length) {
        Dispatcher.Step step = dispatcher.prepare(frame, length, caller);
        if (step instanceof Dispatcher.Reply reply) {
            if (reply.response() != null) {
                send(reply.response());
            }
        } else if (step instanceof Dispatcher.Call call) {
            inFlight.incrementAndGet();
            Runnable task = new Runnable() {
                @Override
                public void run() {
                    if (!queued.remove(this)) {
                        return; // dropped by close()
                    }
                    if (closed.get()) {
                        callDone(); // queued after close() emptied the queue
                        return;
                    }
                    RpcConnection.this.run(call);
                }
            };
            queued.add(task);
            try {
                pool.execute(task);
            } catch (RejectedExecutionException e) {
                if (!queued.remove(task)) {
                    return; // close() dropped and counted it meanwhile
                }
                callDone();
                String detail = pool.getActiveCount() + " calls running, " + pool.getQueue().size() + " queued";
                JsonNode response = dispatcher.rejected(call, caller, pool.isShutdown(), detail);
                if (response != null) {
                    send(response);
                }
            }
        }
    }

    private void run(Dispatcher.Call call) {
        try {
            JsonNode response = dispatcher.execute(call, caller);
            if (response != null) {
                send(response);
            }
        } finally {
            callDone();
        }
    }

    /**
     * Takes this connection's calls that no worker has begun off the pool's queue; a worker that
     * has just taken one finds it gone from {@code queued} and does not run it either.
     */
    private int dropQueued() {
        int dropped = 0;
        for (Runnable task : queued) {
            if (queued.remove(task)) {
                pool.remove(task);
                dropped++;
                inFlight.decrementAndGet();
            }
        }
        return dropped;
    }

    private void callDone() {
        if (inFlight.decrementAndGet() == 0) {
            closeIfIdle();
        }
    }

    private void closeIfIdle() {
        if (readerDone && inFlight.get() == 0) {
            close();
        }
    }

    private byte[] serialiseFailure(JsonNode id, IOException e) {
        try {
            return dispatcher.mapper().writeValueAsBytes(RpcErrors.response(id, RpcErrors.of(e)));
        } catch (IOException again) {
            throw new java.io.UncheckedIOException(again);
        }
    }

    /** Closing the channel ends the blocked write with an exception; send() then closes the rest. */
    private void writeStalled() {
        LOG.warn("closing the connection of {} (pid {}): an answer waited {} ms for it to read", caller.user(),
                caller.pid(), writeTimeout.toMillis());
        close();
    }

    private void send(JsonNode response) {
        byte[] body;
        try {
            body = dispatcher.mapper().writeValueAsBytes(response);
        } catch (IOException e) {
            LOG.error("cannot serialise a response for {}", caller.user(), e);
            body = serialiseFailure(response.get("id"), e);
        }
        ByteBuffer out = ByteBuffer.allocate(body.length + 1).put(body).put((byte) '\n').flip();
        synchronized (writeLock) {
            ScheduledFuture<?> guard = writeTimer.schedule(this::writeStalled, writeTimeout.toMillis(), TimeUnit.MILLISECONDS);
            try {
                while (out.hasRemaining()) {
                    channel.write(out);
                }
            } catch (IOException e) {
                if (!closed.get()) {
                    LOG.debug("write to {} failed, closing: {}", caller.user(), e.toString());
                }
                close();
            } finally {
                guard.cancel(false);
            }
        }
    }
}
