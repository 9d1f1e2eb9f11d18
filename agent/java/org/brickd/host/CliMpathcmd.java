package org.brickd.host;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.brickd.errors.DeadlineException;
import org.brickd.errors.HostException;

/**
 * {@link Mpathcmd} through the {@code multipathd} program, for hosts where libmpathcmd cannot
 * be loaded. The command line is split into argv words (a double-quoted word such as a
 * format string stays one word, quotes removed); multipathd's client joins them again and
 * quotes words that contain spaces, so multipathd receives the same line. The reply is the
 * program's stdout; its exit code only mirrors a "fail" reply.
 */
public final class CliMpathcmd implements Mpathcmd {

    private final Commands commands;

    public CliMpathcmd(Commands commands) {
        this.commands = commands;
    }

    @Override
    public String channel() {
        return "multipathd CLI";
    }

    @Override
    public String command(String command, Duration timeout) {
        Command.Builder b = Command.of("multipathd", timeout);
        for (String word : words(command)) {
            b.arg(word);
        }
        CommandResult r = commands.run(b.build());
        String out = r.stdout();
        // multipathd's client exits 1 with nothing on stdout when it cannot connect
        if (!r.ok() && out.isEmpty()) {
            throw new HostException("multipathd is not running or not reachable (" + r.summary()
                    + "): cannot send '" + command + "'; start multipathd (systemctl start multipathd) and retry");
        }
        if (out.startsWith("timeout receiving packet")) {
            throw new DeadlineException("multipathd did not answer '" + command + "' within "
                    + timeout.toMillis() + " ms");
        }
        if (out.startsWith("cannot send packet") || out.startsWith("error ") && out.contains("receiving packet")) {
            throw new HostException("multipathd command '" + command + "' failed: " + out.strip());
        }
        return out;
    }

    /** Splits on spaces; "..." is one word. Package-private for the test. */
    static List<String> words(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"') {
                quoted = !quoted;
                any = true;
            } else if (c == ' ' && !quoted) {
                if (any) {
                    out.add(cur.toString());
                    cur.setLength(0);
                    any = false;
                }
            } else {
                cur.append(c);
                any = true;
            }
        }
        if (quoted) {
            throw new IllegalArgumentException("unbalanced quote in multipathd command: " + line);
        }
        if (any) {
            out.add(cur.toString());
        }
        return out;
    }
}
