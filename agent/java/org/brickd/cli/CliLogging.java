package org.brickd.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.io.OutputStream;
import java.util.Optional;

/**
 * brickctl's logging, set up in code: what logback.xml says (stderr, the same pattern, level
 * from BRICKD_LOG_LEVEL, INFO by default) without starting logback's XML configurator, which
 * costs a short command a large part of its start. A log line first erases a progress line
 * ({@link Progress}) so the two do not run together. logback finds this class as a service; in
 * any other process (the daemon, tests) it passes, and logback.xml applies.
 */
public final class CliLogging extends ContextAwareBase implements Configurator {

    /** Set by brickctl's main before anything logs. */
    static final String PROPERTY = "brickd.cli";

    /** logback.xml's pattern: keep the two alike. */
    private static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level [%thread] %logger{0}: %msg%n";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty(PROPERTY) == null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        OutputStreamAppender<ILoggingEvent> stderr = new OutputStreamAppender<>();
        stderr.setContext(context);
        stderr.setName("STDERR");
        stderr.setEncoder(encoder);
        stderr.setOutputStream(new StderrAfterProgress());
        stderr.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(level(), Level.INFO));
        root.addAppender(stderr);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    /** System.err, read at each write (as logback's console target does); a progress line on it makes way first. */
    private static final class StderrAfterProgress extends OutputStream {
        @Override
        public void write(int b) {
            Progress.makeWay();
            System.err.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            Progress.makeWay();
            System.err.write(b, off, len);
        }

        @Override
        public void flush() {
            System.err.flush();
        }
    }

    /** BRICKD_LOG_LEVEL as logback.xml reads it: a system property first, then the environment. */
    private static String level() {
        return Optional.ofNullable(System.getProperty("BRICKD_LOG_LEVEL")).orElse(System.getenv("BRICKD_LOG_LEVEL"));
    }
}
