package org.brickd.rpc;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channel;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAccumulator;
import org.brickd.errors.BrickException;
import org.brickd.errors.HostException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JSON-RPC 2.0 over a unix stream socket, one JSON object per line (see {@link RpcErrors} for
 * the error codes). One accept thread, a reader thread per connection, and a bounded worker
 * pool shared by all connections that answers "server busy" rather than queue without bound.
 * Peer credentials come from SO_PEERCRED; every call is authorized before it runs and audited.
 */
public final class RpcServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RpcServer.class);
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private final ServerSocketChannel listener;
    private final Path ownedSocket;
    private final RpcServerOptions options;
    private final Dispatcher dispatcher;
    private final ThreadPoolExecutor pool;
    private final ScheduledThreadPoolExecutor writeTimer;
    private final Set<RpcConnection> connections = ConcurrentHashMap.newKeySet();
    /** Signalled when a connection closes: an accept that failed for lack of descriptors may retry. */
    private final Object slotFreed = new Object();
    private static final long ACCEPT_BACKOFF_MS = 100;
    private final LongAccumulator peakFrameBuffer = new LongAccumulator(Math::max, 0);
    private final AtomicInteger connectionCounter = new AtomicInteger();
    private final Thread acceptor;
    private volatile boolean closing;

    private RpcServer(ServerSocketChannel listener, Path ownedSocket, MethodTable methods, Authorizer authorizer,
            RpcServerOptions options) throws IOException {
        Object address = ownedSocket != null ? ownedSocket : listener.getLocalAddress();
        this.listener = listener;
        this.ownedSocket = ownedSocket;
        this.options = options;
        this.dispatcher = new Dispatcher(methods, authorizer, RpcJson.mapper(RpcJson.MAX_DEPTH, options.maxFrameBytes()));
        this.pool = new ThreadPoolExecutor(options.workers(), options.workers(), 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(options.queueCapacity()), threads("brickd-rpc-worker-"),
                new ThreadPoolExecutor.AbortPolicy());
        this.pool.allowCoreThreadTimeOut(true);
        this.writeTimer = new ScheduledThreadPoolExecutor(1, threads("brickd-rpc-write-timer-"));
        this.writeTimer.setRemoveOnCancelPolicy(true); // a cancelled guard (the usual case) is dropped at once
        this.acceptor = new Thread(this::acceptLoop, "brickd-rpc-accept");
        this.acceptor.setDaemon(true);
        this.acceptor.start();
        LOG.info("rpc serving on {} ({} workers, queue {}, frames up to {} bytes)", address,
                options.workers(), options.queueCapacity(), options.maxFrameBytes());
    }

    /**
     * Binds {@code socket}, replacing a stale socket file only if it is a socket and nothing
     * answers on it, then sets the file's mode and group from the options.
     */
    public static RpcServer bind(Path socket, MethodTable methods, Authorizer authorizer, RpcServerOptions options)
            throws IOException {
        removeStale(socket);
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        // bound and listening under a temporary name, mode and group set, then renamed into
        // place: a client never finds the path before it accepts (bind(2) creates the file
        // before listen(2)), nor with the wrong mode
        Path temp = socket.resolveSibling("." + socket.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        boolean bound = false;
        try {
            Files.deleteIfExists(temp);
            ch.bind(UnixDomainSocketAddress.of(temp), 64);
            bound = true;
            Files.setPosixFilePermissions(temp, permissions(options.socketMode()));
            setGroup(temp, options.socketGroup());
            Files.move(temp, socket, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return new RpcServer(ch, socket, methods, authorizer, options);
        } catch (IOException | RuntimeException e) {
            ch.close();
            if (bound) {
                Files.deleteIfExists(temp);
            }
            throw e;
        }
    }

    /**
     * Serves the listening socket systemd passed as stdin (brickd.socket, StandardInput=socket).
     * The unit owns the file's mode and group and its removal.
     */
    public static RpcServer inherited(MethodTable methods, Authorizer authorizer, RpcServerOptions options)
            throws IOException {
        Channel ch = System.inheritedChannel();
        if (!(ch instanceof ServerSocketChannel ssc) || !(ssc.getLocalAddress() instanceof UnixDomainSocketAddress)) {
            throw new BrickException(BrickException.Code.UNAVAILABLE, "no inherited listening unix socket on stdin (got "
                    + (ch == null ? "none" : ch.getClass().getSimpleName())
                    + "); start brickd through brickd.socket or give it a socket path");
        }
        return serve(ssc, methods, authorizer, options);
    }

    /** Serves an already bound and listening unix socket; the caller owns the socket file. */
    public static RpcServer serve(ServerSocketChannel listening, MethodTable methods, Authorizer authorizer,
            RpcServerOptions options) throws IOException {
        listening.configureBlocking(true);
        return new RpcServer(listening, null, methods, authorizer, options);
    }

    /** The largest line buffer any connection has held, in bytes: stays at or below the frame cap whatever is sent. */
    public long peakFrameBufferBytes() {
        return peakFrameBuffer.get();
    }

    public int openConnections() {
        return connections.size();
    }

    /**
     * Stops accepting and reading, lets calls in flight finish until the stop deadline (their
     * answers are still sent), then closes every connection and interrupts what still runs.
     */
    @Override
    public void close() {
        if (closing) {
            return;
        }
        closing = true;
        try {
            listener.close();
        } catch (IOException e) {
            LOG.warn("closing the listening socket: {}", e.toString());
        }
        removeOwnedSocket();
        connections.forEach(RpcConnection::stopReading);
        pool.shutdown();
        try {
            acceptor.join(1000);
            if (!pool.awaitTermination(options.stopDeadline().toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warn("rpc stop: {} calls still running after {}; interrupting them",
                        pool.getActiveCount(), options.stopDeadline());
                pool.shutdownNow();
            }
        } catch (InterruptedException e) {
            pool.shutdownNow();
            Thread.currentThread().interrupt();
        }
        for (RpcConnection c : connections) {
            c.close();
            try {
                c.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        writeTimer.shutdownNow();
        LOG.info("rpc server stopped");
    }

    /** Right after the listener closes, so a restarted daemon can bind while this one drains. */
    private void removeOwnedSocket() {
        if (ownedSocket != null) {
            try {
                Files.deleteIfExists(ownedSocket);
            } catch (IOException e) {
                LOG.warn("cannot remove socket {}: {}", ownedSocket, e.toString());
            }
        }
    }

    private void acceptLoop() {
        while (!closing) {
            SocketChannel ch;
            try {
                ch = listener.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (closing) {
                    return;
                }
                // EMFILE and friends: wait for a connection to close (it frees a descriptor), at most
                // ACCEPT_BACKOFF, rather than spin; the condition is logged each time.
                LOG.warn("accept failed: {}", e.toString());
                synchronized (slotFreed) {
                    try {
                        slotFreed.wait(ACCEPT_BACKOFF_MS);
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
                continue;
            }
            admit(ch);
        }
    }

    private void admit(SocketChannel ch) {
        Caller caller;
        try {
            if (connections.size() >= options.maxConnections()) {
                LOG.warn("refusing a connection: {} open, the limit", connections.size());
                ch.close();
                return;
            }
            caller = options.callers().resolve(ch);
        } catch (IOException | RuntimeException e) {
            LOG.warn("dropping a connection: cannot read its peer credentials: {}", e.toString());
            closeQuietly(ch);
            return;
        }
        RpcConnection[] self = new RpcConnection[1];
        self[0] = new RpcConnection(ch, caller, dispatcher, pool, options.maxFrameBytes(),
                peakFrameBuffer::accumulate, () -> {
                    connections.remove(self[0]);
                    synchronized (slotFreed) {
                        slotFreed.notifyAll();
                    }
                },
                "brickd-rpc-conn-" + connectionCounter.incrementAndGet() + "-" + caller.user(),
                options.writeTimeout(), writeTimer);
        connections.add(self[0]);
        self[0].start();
        if (closing) {
            self[0].stopReading();
        }
    }

    private static void removeStale(Path socket) throws IOException {
        int mode;
        try {
            mode = (Integer) Files.getAttribute(socket, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return;
        }
        if ((mode & S_IFMT) != S_IFSOCK) {
            throw new HostException("refusing to replace " + socket + ": it exists and is not a socket; remove it by hand");
        }
        try {
            SocketChannel.open(UnixDomainSocketAddress.of(socket)).close();
        } catch (ConnectException e) {
            LOG.info("removing stale socket {} (nobody answers on it)", socket);
            Files.deleteIfExists(socket);
            return;
        }
        throw new BrickException(BrickException.Code.BUSY,
                "another server answers on " + socket + "; stop it (systemctl stop brickd) before starting this one");
    }

    private static void setGroup(Path socket, String group) throws IOException {
        if (group == null) {
            return;
        }
        GroupPrincipal g;
        try {
            g = socket.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group);
        } catch (UserPrincipalNotFoundException e) {
            LOG.warn("group {} does not exist: socket {} keeps its group; only root can connect", group, socket);
            return;
        }
        Files.getFileAttributeView(socket, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setGroup(g);
    }

    static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> out = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ,
        };
        for (int i = 0; i < bits.length; i++) {
            if ((mode & (1 << i)) != 0) {
                out.add(bits[i]);
            }
        }
        return out;
    }

    private static ThreadFactory threads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            LOG.debug("close: {}", e.toString());
        }
    }
}
