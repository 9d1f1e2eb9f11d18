package org.brickd.host;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One program run: an argv (never a shell line), a deadline, optional stdin, and which
 * arguments are secrets (CHAP passwords) so that logs and errors show "***" instead.
 */
public record Command(List<String> argv, Duration timeout, byte[] stdin, Set<Integer> secretArgs) {

    public Command {
        argv = List.copyOf(argv);
        Objects.requireNonNull(timeout, "timeout");
        secretArgs = Set.copyOf(secretArgs);
        if (argv.isEmpty() || !argv.get(0).startsWith("/") && argv.get(0).contains("/")) {
            throw new IllegalArgumentException("argv[0] must be a program name or an absolute path: " + argv);
        }
        for (String a : argv) {
            if (a.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("NUL in argument of " + argv.get(0));
            }
        }
    }

    public static Builder of(String program, Duration timeout) {
        return new Builder(program, timeout);
    }

    public String program() {
        return argv.get(0);
    }

    /** The argv for logs and error messages, secrets masked. */
    public String display() {
        List<String> shown = new ArrayList<>(argv.size());
        for (int i = 0; i < argv.size(); i++) {
            shown.add(secretArgs.contains(i) ? "***" : argv.get(i));
        }
        return String.join(" ", shown);
    }

    @Override
    public String toString() {
        return display();
    }

    public static final class Builder {
        private final List<String> argv = new ArrayList<>();
        private final java.util.HashSet<Integer> secrets = new java.util.HashSet<>();
        private final Duration timeout;
        private byte[] stdin;

        private Builder(String program, Duration timeout) {
            argv.add(program);
            this.timeout = timeout;
        }

        public Builder arg(String a) {
            argv.add(Objects.requireNonNull(a));
            return this;
        }

        public Builder args(String... as) {
            for (String a : as) {
                arg(a);
            }
            return this;
        }

        public Builder secret(String a) {
            secrets.add(argv.size());
            argv.add(Objects.requireNonNull(a));
            return this;
        }

        public Builder stdin(byte[] in) {
            this.stdin = in;
            return this;
        }

        public Command build() {
            return new Command(argv, timeout, stdin, secrets);
        }
    }
}
