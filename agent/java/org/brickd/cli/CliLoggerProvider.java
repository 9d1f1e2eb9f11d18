package org.brickd.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * brickctl's logging: lines on stderr in logback.xml's shape ({@code HH:mm:ss.SSS LEVEL [thread]
 * Class: message}, a throwable's stack trace after it), at BRICKD_LOG_LEVEL (INFO by default).
 * A short command has no use for logback's machinery, which costs it tens of milliseconds to
 * start; brickctl's main selects this provider (slf4j.provider) before anything logs. The daemon
 * and the tests keep logback and logback.xml. A log line first erases a progress line
 * ({@link Progress}) so the two do not run together.
 */
public final class CliLoggerProvider implements SLF4JServiceProvider {

    /** Selects this provider in this process; call before the first logger is made. */
    static void select() {
        System.setProperty("slf4j.provider", CliLoggerProvider.class.getName());
        // slf4j would say on stderr, at its INFO, which provider it loaded
        System.setProperty("slf4j.internal.verbosity", "WARN");
    }

    private final IMarkerFactory markers = new BasicMarkerFactory();
    private final MDCAdapter mdc = new NOPMDCAdapter();
    private Factory factory;

    @Override
    public ILoggerFactory getLoggerFactory() {
        return factory;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markers;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return "2.0.99";
    }

    @Override
    public void initialize() {
        factory = new Factory(threshold(Optional.ofNullable(System.getProperty("BRICKD_LOG_LEVEL"))
                .orElse(System.getenv("BRICKD_LOG_LEVEL"))));
    }

    /** BRICKD_LOG_LEVEL as logback reads a level: a name in any case, INFO when absent or unknown; OFF silences. */
    static int threshold(String name) {
        if (name == null) {
            return Level.INFO.toInt();
        }
        String n = name.strip().toUpperCase(Locale.ROOT);
        if (n.equals("OFF")) {
            return Integer.MAX_VALUE;
        }
        if (n.equals("ALL")) {
            return Integer.MIN_VALUE;
        }
        for (Level l : Level.values()) {
            if (l.name().equals(n)) {
                return l.toInt();
            }
        }
        return Level.INFO.toInt();
    }

    /** One logger per name, all at the same threshold. */
    static final class Factory implements ILoggerFactory {
        private final int threshold;
        private final ConcurrentMap<String, Logger> loggers = new ConcurrentHashMap<>();

        Factory(int threshold) {
            this.threshold = threshold;
        }

        @Override
        public Logger getLogger(String name) {
            return loggers.computeIfAbsent(name, n -> new StderrLogger(n, threshold));
        }
    }

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    /** Writes whole lines to System.err as it is at each call (a test may swap it). */
    static final class StderrLogger extends LegacyAbstractLogger {
        private static final long serialVersionUID = 1L;
        private final int threshold;
        private final String shortName;

        StderrLogger(String name, int threshold) {
            this.name = name;
            this.threshold = threshold;
            this.shortName = name.substring(name.lastIndexOf('.') + 1);
        }

        private boolean on(Level level) {
            return level.toInt() >= threshold;
        }

        @Override
        public boolean isTraceEnabled() {
            return on(Level.TRACE);
        }

        @Override
        public boolean isDebugEnabled() {
            return on(Level.DEBUG);
        }

        @Override
        public boolean isInfoEnabled() {
            return on(Level.INFO);
        }

        @Override
        public boolean isWarnEnabled() {
            return on(Level.WARN);
        }

        @Override
        public boolean isErrorEnabled() {
            return on(Level.ERROR);
        }

        @Override
        protected String getFullyQualifiedCallerName() {
            return null;
        }

        @Override
        protected void handleNormalizedLoggingCall(Level level, Marker marker, String pattern, Object[] args,
                Throwable throwable) {
            StringBuilder line = new StringBuilder(128)
                    .append(LocalTime.now().format(TIME)).append(' ')
                    .append(String.format("%-5s", level.name()))
                    .append(" [").append(Thread.currentThread().getName()).append("] ")
                    .append(shortName).append(": ")
                    .append(MessageFormatter.basicArrayFormat(pattern, args))
                    .append(System.lineSeparator());
            if (throwable != null) {
                StringWriter trace = new StringWriter();
                throwable.printStackTrace(new PrintWriter(trace));
                line.append(trace);
            }
            byte[] bytes = line.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            PrintStream err = System.err;
            synchronized (StderrLogger.class) {
                Progress.makeWay();
                err.write(bytes, 0, bytes.length);
                err.flush();
            }
        }
    }
}
