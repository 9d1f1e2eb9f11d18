package org.brickd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.brickd.daemon.Config;
import org.brickd.daemon.Methods;
import org.brickd.daemon.Wiring;
import org.brickd.errors.BrickException;
import org.brickd.rpc.Caller;
import org.brickd.rpc.MethodTable;
import org.brickd.rpc.RpcClient;
import org.brickd.rpc.RpcError;

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

    static Calls open(Config config, boolean offline) {
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
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new BrickException(BrickException.Code.UNAVAILABLE,
                    "offline mode acts on the host directly and must run as root (or start brickd and use its socket)");
        }
        Wiring w = new Wiring(config, Path.of("/"));
        MethodTable table = Methods.table(w, Path.of("/"));
        Caller root = new Caller(0, 0, (int) ProcessHandle.current().pid(), "root", "root");
        return new Calls() {
            @Override
            JsonNode call(String method, JsonNode params) {
                return table.lookup(method).orElseThrow(() -> new IllegalStateException("no method " + method))
                        .method().call(params, root);
            }

            @Override
            public void close() {
                w.close();
            }
        };
    }
}
