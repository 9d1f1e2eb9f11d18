package org.brickd.daemon;

import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.brickd.errors.BrickException;
import org.brickd.fc.ScsiScanMode;
import org.brickd.host.PeerCredentials;
import org.brickd.host.SelfStop;
import org.brickd.host.SystemdNotify;
import org.brickd.rpc.Authorizer;
import org.brickd.rpc.CallerResolver;
import org.brickd.rpc.MethodTable;
import org.brickd.rpc.RpcServer;
import org.brickd.rpc.RpcServerOptions;
import org.brickd.service.JournaledSteps;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * brickd, the daemon. {@code brickd [--config FILE] [--socket PATH] [--state-dir DIR]}:
 * loads the config (a bad line stops the start naming it), opens the ledger (unreadable:
 * stop), wires the host, and serves JSON-RPC on the socket systemd passes on stdin
 * (brickd.socket) or on the configured path. Under systemd (Type=notify) it reports
 * READY=1 once recovery is done and the socket accepts. SIGTERM: STOPPING=1, stop
 * accepting, let in-flight calls finish, close the ledger.
 */
public final class BrickdMain {

    private static final Logger log = LoggerFactory.getLogger(BrickdMain.class);

    private BrickdMain() {}

    public static void main(String[] args) throws Exception {
        Path configFile = Path.of("/etc/brickd/brickd.conf");
        boolean configGiven = false;
        String socket = null;
        String stateDir = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--config" -> {
                    configFile = Path.of(need(a, v));
                    configGiven = true;
                    i++;
                }
                case "--socket" -> {
                    socket = need(a, v);
                    i++;
                }
                case "--state-dir" -> {
                    stateDir = need(a, v);
                    i++;
                }
                case "-h", "--help" -> {
                    System.out.println("usage: brickd [--config FILE] [--socket PATH] [--state-dir DIR]");
                    return;
                }
                default -> fail("unknown argument " + a + " (usage: brickd [--config FILE] [--socket PATH] [--state-dir DIR])");
            }
        }
        try {
            Config config = Config.load(configFile, configGiven);
            if (socket != null) {
                config = config.with("socket", socket);
            }
            if (stateDir != null) {
                config = config.with("state_dir", stateDir);
            }
            run(config, socket == null);
        } catch (BrickException | IllegalArgumentException e) {
            fail(e.getMessage());
        }
    }

    /**
     * sd_listen_fds(3) protocol (systemd with Accept=no and no StandardInput=socket, or
     * systemd-socket-activate): one listening socket on fd 3 for this pid. The JDK only
     * inherits fd 0, so fd 3 is duplicated onto 0 before {@link System#inheritedChannel()}.
     */
    static boolean adoptListenFds() {
        String pid = System.getenv("LISTEN_PID");
        String fds = System.getenv("LISTEN_FDS");
        if (pid == null || fds == null || !pid.equals(Long.toString(ProcessHandle.current().pid()))) {
            return false;
        }
        if (!fds.equals("1")) {
            throw new BrickException(BrickException.Code.INVALID_INPUT, "socket activation passed " + fds
                    + " sockets (LISTEN_FDS); brickd serves exactly one");
        }
        jnr.posix.POSIX posix = jnr.posix.POSIXFactory.getNativePOSIX();
        if (posix.dup2(3, 0) < 0) {
            throw new BrickException(BrickException.Code.INTERNAL, "socket activation: dup2(3, 0) failed, errno "
                    + posix.errno());
        }
        posix.close(3);
        return true;
    }

    private static void run(Config config, boolean mayInherit) throws Exception {
        if (mayInherit && adoptListenFds()) {
            log.info("socket activation: serving the socket passed as fd 3 (LISTEN_FDS)");
        }
        SystemdNotify systemd = SystemdNotify.fromEnvironment(System.getenv());
        Path root = Path.of("/");
        JournaledSteps.Watch watch = FaultPoint.fromEnvironment(System.getenv(), SelfStop::now)
                .<JournaledSteps.Watch>map(f -> f).orElse(JournaledSteps.Watch.NONE);
        Wiring wiring = new Wiring(config, Wiring.Host.real(root), watch);
        if (config.bool("fc_manual_scan")) {
            new ScsiScanMode(wiring.sysfs).makeManual();
        }
        systemd.send("STATUS=recovering open intents");
        wiring.recover();
        MethodTable methods = Methods.table(wiring, root);
        Authorizer auth = new Authorizer(config.list("allowed_users"), config.list("allowed_groups"),
                config.list("read_only_groups"));
        RpcServerOptions opts = RpcServerOptions.defaults().withWorkers(config.positive("workers"))
                .withMaxFrameBytes(config.positive("max_frame_bytes")).withSocketMode(config.mode())
                .withSocketGroup(config.string("socket_group")).withWriteTimeout(config.duration("write_timeout"))
                .withCallers(CallerResolver.system(new PeerCredentials(wiring.nat)));
        RpcServer server = mayInherit && System.inheritedChannel() instanceof ServerSocketChannel
                ? RpcServer.inherited(methods, auth, opts)
                : RpcServer.bind(config.path("socket"), methods, auth, opts);
        int attachments = wiring.ledger.allAttachments().size();
        log.info("brickd ready: {} attachments in the ledger, uevents {}, methods {}",
                attachments, wiring.uevents.listening() ? "on" : "polled", methods.names());
        StaleTimer staleTimer = config.durationOrOff("stale_scan_interval")
                .map(every -> new StaleTimer(wiring.stale, every, config.bool("stale_cleanup_on_timer"))).orElse(null);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("brickd stopping: finishing in-flight calls");
            systemd.send("STOPPING=1\nSTATUS=stopping: finishing in-flight calls");
            if (staleTimer != null) {
                staleTimer.close();
            }
            server.close();
            wiring.close();
            stopped.countDown();
        }, "shutdown"));
        // recovery is done and the socket accepts; after the hook, so a stop always says STOPPING=1
        systemd.send("READY=1\nSTATUS=serving, " + attachments + " attachments in the ledger\nMAINPID="
                + ProcessHandle.current().pid());
        stopped.await();
    }

    private static String need(String option, String value) {
        if (value == null) {
            fail(option + " needs a value");
        }
        return value;
    }

    private static void fail(String message) {
        System.err.println("brickd: " + message);
        System.exit(2);
    }
}
