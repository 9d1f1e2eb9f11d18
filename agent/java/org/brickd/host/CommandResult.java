package org.brickd.host;

import java.time.Duration;

/** What a finished program left: exit code, captured output, how long it took. */
public record CommandResult(Command command, int exitCode, String stdout, String stderr, Duration elapsed) {

    public boolean ok() {
        return exitCode == 0;
    }

    /**
     * One line for logs and errors: the masked argv, the exit code and up to three lines
     * of stderr (iscsiadm gives the reason on its second line).
     */
    public String summary() {
        String err = String.join(" | ", stderr.strip().lines().filter(l -> !l.isBlank()).limit(3).toList());
        return command.display() + " exited " + exitCode + (err.isEmpty() ? "" : ": " + err);
    }
}
