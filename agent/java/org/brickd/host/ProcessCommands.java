package org.brickd.host;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import org.brickd.errors.DeadlineException;
import org.brickd.errors.HostException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an argv with ProcessBuilder: no shell, a fixed minimal environment, stdout and
 * stderr captured (each capped), a deadline. Each program runs in its own session
 * (through setsid(1), which execs in place), so on timeout the whole process group is
 * killed, not just the first process.
 */
public final class ProcessCommands implements Commands {

    private static final Logger log = LoggerFactory.getLogger(ProcessCommands.class);
    private static final int OUTPUT_CAP = 4 << 20;
    private static final Path SETSID = Path.of("/usr/bin/setsid");
    private static final Map<String, String> ENV = Map.of(
            "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "LC_ALL", "C");

    private final ExecutorService readers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "cmd-output");
        t.setDaemon(true);
        return t;
    });
    private final boolean ownGroup = Files.isExecutable(SETSID);

    @Override
    public CommandResult run(Command command) {
        List<String> argv = new ArrayList<>();
        if (ownGroup) {
            argv.add(SETSID.toString());
        }
        argv.add(locate(command).toString());
        argv.addAll(command.argv().subList(1, command.argv().size()));
        ProcessBuilder pb = new ProcessBuilder(argv);
        pb.environment().clear();
        pb.environment().putAll(ENV);
        if (command.stdin() == null) {
            pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        }
        long start = System.nanoTime();
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new HostException("cannot start " + command.display() + ": " + e.getMessage(), e);
        }
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> drain(p.getInputStream()), readers);
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> drain(p.getErrorStream()), readers);
        if (command.stdin() != null) {
            try (OutputStream in = p.getOutputStream()) {
                in.write(command.stdin());
            } catch (IOException e) {
                log.debug("{}: stdin closed early: {}", command.program(), e.getMessage());
            }
        }
        try {
            if (!p.waitFor(command.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
                killGroup(p);
                throw new DeadlineException(command.display() + " did not finish within "
                        + command.timeout().toMillis() + " ms; its process group was killed");
            }
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
            CommandResult r = new CommandResult(command, p.exitValue(),
                    text(out, command, "stdout"), text(err, command, "stderr"), elapsed);
            log.debug("{} -> {} in {} ms", command.display(), r.exitCode(), elapsed.toMillis());
            return r;
        } catch (InterruptedException e) {
            killGroup(p);
            Thread.currentThread().interrupt();
            throw new HostException("interrupted while running " + command.display(), e);
        }
    }

    /** The program's absolute path, found on the fixed PATH; a clear error when there is none. */
    private static Path locate(Command command) {
        String program = command.program();
        if (program.startsWith("/")) {
            if (!Files.isExecutable(Path.of(program))) {
                throw new HostException("cannot start " + command.display() + ": " + program + " is not an executable file");
            }
            return Path.of(program);
        }
        for (String dir : ENV.get("PATH").split(":")) {
            Path p = Path.of(dir, program);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        throw new HostException("cannot start " + command.display() + ": " + program + " is not installed (not found in "
                + ENV.get("PATH") + ")");
    }

    /**
     * jnr-posix, loaded at the first kill: building its bindings takes about half a second of
     * JVM start, which every brickctl run would otherwise pay.
     */
    private static final class Posix {
        static final POSIX NATIVE = POSIXFactory.getNativePOSIX();
    }

    private void killGroup(Process p) {
        if (ownGroup) {
            Posix.NATIVE.kill(-(int) p.pid(), 9);
        }
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        try {
            p.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The program's whole output on one pipe. A process it started that keeps the pipe open does
     * not hold this up: when the program exits, the JDK hands the reader what is buffered and
     * closes its end. Should the reader still not finish within 5 s, or fail, the output is
     * taken as empty with a warning: the exit code stands, and a parse of it finds nothing.
     */
    private static String text(CompletableFuture<byte[]> f, Command command, String pipe) throws InterruptedException {
        try {
            return new String(f.get(5, TimeUnit.SECONDS), StandardCharsets.UTF_8);
        } catch (TimeoutException e) {
            log.warn("{}: its {} was still open 5 s after it exited (a process it started holds it); taken as empty",
                    command.display(), pipe);
            return "";
        } catch (ExecutionException e) {
            log.warn("{}: reading its {} failed ({}); taken as empty", command.display(), pipe, e.getCause().toString());
            return "";
        }
    }

    private static byte[] drain(InputStream in) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        byte[] chunk = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(chunk)) > 0) {
                if (buf.size() < OUTPUT_CAP) {
                    buf.write(chunk, 0, Math.min(n, OUTPUT_CAP - buf.size()));
                }
            }
        } catch (IOException e) {
            // the process was killed; keep what was read
        }
        return buf.toByteArray();
    }
}
