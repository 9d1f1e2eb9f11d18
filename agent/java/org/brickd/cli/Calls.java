package org.brickd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.brickd.daemon.Config;
import org.brickd.daemon.Methods;
import org.brickd.daemon.Wiring;
import org.brickd.errors.BrickException;
import org.brickd.rpc.Access;
import org.brickd.rpc.Caller;
import org.brickd.rpc.MethodTable;
import org.brickd.rpc.RpcClient;
import org.brickd.rpc.RpcError;
import org.brickd.service.JournaledSteps;

/**
 * Where brickctl's calls go: the daemon's socket when it answers, else the same methods
 * in-process on this host (offline). Offline mode needs root and opens the ledger itself.
 */
abstract class Calls implements AutoCloseable {

    abstract JsonNode call(String method, JsonNode params);

    @Override
    public abstract void close();

    /** An error answered by the daemon. */
    static final class RemoteError extends RuntimeException {
        RemoteError(RpcError e) {
            super(e.getMessage() + " (code " + e.code() + (e.data() == null ? "" : ", " + e.data()) + ")");
        }
    }

    /**
     * @param offlineWiring how offline mode builds the host's wiring, told of each journaled step
     *                      ({@link #realHost}; a test passes one over a fake root)
     * @param progress      shows each call that takes long, and offline its steps
     */
    static Calls open(Config config, boolean offline, BiFunction<Config, JournaledSteps.Watch, Wiring> offlineWiring,
            Progress progress) {
        return reporting(open(config, offline, config2 -> offlineWiring.apply(config2, progress)), progress);
    }

    /** The diagnostic mode with progress. */
    static Calls diagnostic(Config config, Path root, Progress progress) {
        return reporting(diagnostic(config, root), progress);
    }

    /** {@code calls} telling {@code progress} when each call starts and returns; closing it closes both. */
    private static Calls reporting(Calls calls, Progress progress) {
        return new Calls() {
            @Override
            JsonNode call(String method, JsonNode params) {
                progress.calling(method);
                try {
                    return calls.call(method, params);
                } finally {
                    progress.returned();
                }
            }

            @Override
            public void close() {
                try (progress) {
                    calls.close();
                }
            }
        };
    }

    private static Calls open(Config config, boolean offline, Function<Config, Wiring> offlineWiring) {
        Path socket = config.path("socket");
        if (!offline && Files.exists(socket)) {
            try {
                RpcClient client = new RpcClient(socket);
                System.err.println("brickctl: through the daemon at " + socket);
                return new Calls() {
                    @Override
                    JsonNode call(String method, JsonNode params) {
                        try {
                            return client.call(method, params);
                        } catch (RpcError e) {
                            throw new RemoteError(e);
                        }
                    }

                    @Override
                    public void close() {
                        client.close();
                    }
                };
            } catch (IOException e) {
                System.err.println("brickctl: the daemon at " + socket + " does not answer (" + e.getMessage()
                        + "); working offline");
            }
        } else if (!offline) {
            System.err.println("brickctl: no daemon socket at " + socket + "; working offline on this host");
        } else {
            System.err.println("brickctl: offline on this host (ledger in " + config.path("state_dir") + ")");
        }
        return inProcess(offlineWiring.apply(config), Set.of(Access.READ, Access.MUTATE));
    }

    /** Offline on this host: root only, since it acts on the host directly. */
    static Wiring realHost(Config config, JournaledSteps.Watch watch) {
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new BrickException(BrickException.Code.UNAVAILABLE,
                    "offline mode acts on the host directly and must run as root (or start brickd and use its socket)");
        }
        return new Wiring(config, Wiring.Host.real(Path.of("/")), watch);
    }

    /**
     * The diagnostic mode (--diagnostic-root): the read-only methods over a copy of a host's
     * sysfs and /dev under {@code root}, never the daemon; a method that could change something
     * is refused, so this cannot act on the host or on the files under {@code root}.
     */
    private static Calls diagnostic(Config config, Path root) {
        if (!Files.isDirectory(root.resolve("sys"))) {
            throw new BrickException(BrickException.Code.INVALID_INPUT, "--diagnostic-root " + root
                    + ": no sys/ directory under it (want a copy of a host's /sys and /dev)");
        }
        System.err.println("brickctl: DIAGNOSTIC: read-only, over the tree at " + root + " (ledger in "
                + config.path("state_dir") + "), not this host");
        return inProcess(new Wiring(config, Wiring.Host.copy(root)), Set.of(Access.READ));
    }

    private static Calls inProcess(Wiring w, Set<Access> allowed) {
        MethodTable table = Methods.table(w, w.root);
        Caller root = new Caller(0, 0, (int) ProcessHandle.current().pid(), "root", "root");
        return new Calls() {
            @Override
            JsonNode call(String method, JsonNode params) {
                MethodTable.Entry e = table.lookup(method)
                        .orElseThrow(() -> new IllegalStateException("no method " + method));
                if (!allowed.contains(e.access())) {
                    throw new BrickException(BrickException.Code.INVALID_INPUT, method
                            + " changes the host; the diagnostic mode runs read-only methods only");
                }
                return e.method().call(params, root);
            }

            @Override
            public void close() {
                w.close();
            }
        };
    }
}
