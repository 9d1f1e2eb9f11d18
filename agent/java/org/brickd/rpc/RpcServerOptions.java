package org.brickd.rpc;

import java.time.Duration;

/**
 * Tunables of {@link RpcServer}. Start from {@link #defaults()} and change what the config names.
 *
 * @param workers        calls running at once, across all connections
 * @param queueCapacity  calls waiting for a worker; past that a call is answered "server busy"
 * @param maxFrameBytes  longest request line; a longer one closes the connection
 * @param maxConnections open connections; more are closed at accept
 * @param socketMode     permission bits of a socket file this server binds (e.g. 0660)
 * @param socketGroup    group of that file, or null to leave it; a group that does not exist is logged and left
 * @param stopDeadline   how long {@link RpcServer#close()} lets calls in flight finish
 * @param callers        how peer credentials become a {@link Caller}
 * @param writeTimeout   how long an answer may wait for its client to read; past it the connection is closed
 *                       (a client that sends and never reads would otherwise hold workers forever)
 */
public record RpcServerOptions(int workers, int queueCapacity, int maxFrameBytes, int maxConnections,
        int socketMode, String socketGroup, Duration stopDeadline, CallerResolver callers, Duration writeTimeout) {

    public static final int DEFAULT_MAX_FRAME = 1024 * 1024;

    public RpcServerOptions {
        if (workers < 1 || queueCapacity < 1 || maxFrameBytes < 64 || maxConnections < 1) {
            throw new IllegalArgumentException("workers, queueCapacity and maxConnections must be positive, maxFrameBytes at least 64");
        }
        if ((socketMode & ~0777) != 0) {
            throw new IllegalArgumentException("socketMode must be permission bits only, got " + Integer.toOctalString(socketMode));
        }
        if (stopDeadline == null || stopDeadline.isNegative() || callers == null) {
            throw new IllegalArgumentException("stopDeadline and callers are required");
        }
        if (writeTimeout == null || writeTimeout.isNegative() || writeTimeout.isZero()) {
            throw new IllegalArgumentException("writeTimeout must be positive");
        }
    }

    public static RpcServerOptions defaults() {
        return new RpcServerOptions(32, 128, DEFAULT_MAX_FRAME, 256, 0660, "brickd",
                Duration.ofSeconds(30), CallerResolver.system(), Duration.ofSeconds(30));
    }

    public RpcServerOptions withWorkers(int n) {
        return new RpcServerOptions(n, queueCapacity, maxFrameBytes, maxConnections, socketMode, socketGroup, stopDeadline, callers, writeTimeout);
    }

    public RpcServerOptions withQueueCapacity(int n) {
        return new RpcServerOptions(workers, n, maxFrameBytes, maxConnections, socketMode, socketGroup, stopDeadline, callers, writeTimeout);
    }

    public RpcServerOptions withMaxFrameBytes(int n) {
        return new RpcServerOptions(workers, queueCapacity, n, maxConnections, socketMode, socketGroup, stopDeadline, callers, writeTimeout);
    }

    public RpcServerOptions withMaxConnections(int n) {
        return new RpcServerOptions(workers, queueCapacity, maxFrameBytes, n, socketMode, socketGroup, stopDeadline, callers, writeTimeout);
    }

    public RpcServerOptions withSocketMode(int mode) {
        return new RpcServerOptions(workers, queueCapacity, maxFrameBytes, maxConnections, mode, socketGroup, stopDeadline, callers, writeTimeout);
    }

    public RpcServerOptions withSocketGroup(String group) {
        return new RpcServerOptions(workers, queueCapacity, maxFrameBytes, maxConnections, socketMode, group, stopDeadline, callers, writeTimeout);
    }

    public RpcServerOptions withStopDeadline(Duration d) {
        return new RpcServerOptions(workers, queueCapacity, maxFrameBytes, maxConnections, socketMode, socketGroup, d, callers, writeTimeout);
    }

    public RpcServerOptions withCallers(CallerResolver r) {
        return new RpcServerOptions(workers, queueCapacity, maxFrameBytes, maxConnections, socketMode, socketGroup, stopDeadline, r, writeTimeout);
    }

    public RpcServerOptions withWriteTimeout(Duration d) {
        return new RpcServerOptions(workers, queueCapacity, maxFrameBytes, maxConnections, socketMode, socketGroup, stopDeadline, callers, d);
    }
}
