package org.brickd.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.brickd.connector.StepKind;
import org.brickd.service.JournaledSteps;

/**
 * What a slow brickctl command is doing, on one line of the operator's terminal (stderr): shown
 * once a call has taken a second, with the step it is on (offline, where brickctl runs the steps
 * itself) and the seconds so far, redrawn in place, erased when the call returns so the answer
 * prints on a clean screen. When stderr is not a terminal (a script, a log file, a monitoring
 * probe) it prints nothing: what was done is in the answer and, offline, in the log lines. Never
 * on stdout, so --json output stays what it was.
 */
final class Progress implements AutoCloseable, JournaledSteps.Watch {

    /** Calls quicker than this show nothing. */
    static final Duration SHOW_AFTER = Duration.ofSeconds(1);
    private static final long REDRAW_MILLIS = 250;
    /** Back to the line's start, erase to its end (VT100; every terminal an operator uses). */
    static final String ERASE = "\r\033[K";

    /** What the operator reads for each method. */
    private static final Map<String, String> DOING = Map.ofEntries(
            Map.entry("inventory", "reading the host's devices"),
            Map.entry("find_stale", "classifying devices (stale, orphan, drift)"),
            Map.entry("cleanup_stale", "cleaning up stale devices and maps"),
            Map.entry("cleanup_volume", "forced disconnect"),
            Map.entry("connect_volume", "attaching"),
            Map.entry("disconnect_volume", "detaching"),
            Map.entry("list_attachments", "reading the ledger"),
            Map.entry("get_connector_properties", "reading the connector properties"),
            Map.entry("check_domain", "checking the domain"),
            Map.entry("repair_domain", "repairing the domain"),
            Map.entry("migration_xml", "writing the migration XML"));

    /** Prints nothing. */
    static final Progress NONE = new Progress(null, System::nanoTime);

    /** The one shown on this process's stderr, so that a log line can erase it first. */
    private static volatile Progress onStderr;

    private final PrintWriter terminal;
    private final LongSupplier nanos;
    private ScheduledExecutorService redraw;
    private String doing;
    private String step;
    private int steps;
    private long since;
    private String shown = "";

    /**
     * @param terminal the operator's terminal, or null: print nothing
     * @param nanos    the clock (System::nanoTime; a test's)
     */
    Progress(PrintWriter terminal, LongSupplier nanos) {
        this.terminal = terminal;
        this.nanos = nanos;
    }

    /** On stderr when it is a terminal, redrawn a few times a second; else {@link #NONE}. */
    static Progress onStderr() {
        if (!stderrIsTerminal()) {
            return NONE;
        }
        Progress p = new Progress(new PrintWriter(System.err, false), System::nanoTime);
        p.redraw = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "brickctl-progress");
            t.setDaemon(true);
            return t;
        });
        p.redraw.scheduleAtFixedRate(p::redraw, REDRAW_MILLIS, REDRAW_MILLIS, TimeUnit.MILLISECONDS);
        return p.shownOnStderr();
    }

    /** Marks this as the progress on stderr: log lines erase it before they print. */
    Progress shownOnStderr() {
        onStderr = this;
        return this;
    }

    /** Linux: fd 2 is a terminal when it links to a tty or pseudo-terminal device. */
    private static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (java.io.IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** Something else is about to print on stderr (a log line): the progress line makes way, and comes back at the next redraw. */
    static void makeWay() {
        Progress p = onStderr;
        if (p != null) {
            p.erase();
        }
    }

    /** A call to {@code method} starts. */
    synchronized void calling(String method) {
        doing = DOING.getOrDefault(method, method);
        step = null;
        steps = 0;
        since = nanos.getAsLong();
        redraw();
    }

    /** The call returned: its line goes. */
    synchronized void returned() {
        doing = null;
        erase();
    }

    @Override
    public void intended(String op, StepKind kind) {
        intended(op, kind, "");
    }

    /** Offline, each journaled step as it starts: "step 3: delete 2:0:0:1". */
    @Override
    public synchronized void intended(String op, StepKind kind, String detail) {
        steps++;
        step = "step " + steps + ": " + kind.wire() + (detail.isEmpty() ? "" : " " + detail);
        redraw();
    }

    /** Shows the line when the call has run long enough and the text changed (the step, the seconds). */
    synchronized void redraw() {
        if (terminal == null || doing == null) {
            return;
        }
        long seconds = TimeUnit.NANOSECONDS.toSeconds(nanos.getAsLong() - since);
        if (seconds < SHOW_AFTER.toSeconds()) {
            return;
        }
        String text = "brickctl: " + doing + (step == null ? "" : ", " + step) + " ... " + seconds + " s";
        if (!text.equals(shown)) {
            terminal.print(ERASE + text);
            terminal.flush();
            shown = text;
        }
    }

    private synchronized void erase() {
        if (!shown.isEmpty()) {
            terminal.print(ERASE);
            terminal.flush();
            shown = "";
        }
    }

    @Override
    public synchronized void close() {
        if (redraw != null) {
            redraw.shutdownNow();
        }
        if (onStderr == this) {
            onStderr = null;
        }
        returned();
    }
}
