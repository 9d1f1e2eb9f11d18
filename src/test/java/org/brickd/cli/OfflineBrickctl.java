package org.brickd.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.brickd.daemon.Wiring;
import org.brickd.host.Uevents;
import org.brickd.testing.FakeIscsi;
import picocli.CommandLine;

/**
 * brickctl as an operator runs it offline (no daemon), in-process, over a fake iSCSI host:
 * the real wiring and methods, the fake's sysfs root, iscsiadm and SG_IO, a real ledger in
 * {@code dir/state}, no multipathd.
 */
final class OfflineBrickctl {

    /** What one command printed and its exit code. */
    record Run(int exit, String out, String err) {}

    private final FakeIscsi host;
    private final Path dir;
    /** The operator's answer on a terminal; null: no terminal. */
    String terminalAnswer;
    final List<String> asked = new ArrayList<>();
    /** What shows a slow call's progress (a fake terminal in a test); by default nothing. */
    Progress progress = Progress.NONE;

    OfflineBrickctl(FakeIscsi host, Path dir) {
        this.host = host;
        this.dir = dir;
    }

    Path stateDir() {
        return dir.resolve("state");
    }

    Run run(String... args) {
        List<String> all = new ArrayList<>(List.of("--config", dir.resolve("absent.conf").toString(), "--state-dir",
                stateDir().toString(), "--offline"));
        all.addAll(List.of(args));
        CommandLine cl = Brickctl.commandLineFor(all.toArray(String[]::new));
        Brickctl top = cl.getCommand();
        top.offlineWiring = (config, watch) -> new Wiring(config, new Wiring.Host(host.host().root(), host.sysfs(),
                host.devfs(), host.nat(), host, new Uevents(null, Duration.ofMillis(5)), false), watch);
        top.progress = () -> progress;
        top.terminal = () -> terminalAnswer == null ? Optional.empty() : Optional.of(q -> {
            asked.add(q);
            return terminalAnswer;
        });
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int exit = cl.execute(all.toArray(String[]::new));
        return new Run(exit, out.toString(), err.toString());
    }
}
