package org.brickd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.event.Level;

/** brickctl's logging prints what logback.xml would, on stderr, at BRICKD_LOG_LEVEL. */
class CliLoggerProviderTest {

    private final PrintStream stderr = System.err;
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void captureStderr() {
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setErr(stderr);
    }

    private static Logger logger(String name, String level) {
        return new CliLoggerProvider.Factory(CliLoggerProvider.threshold(level)).getLogger(name);
    }

    private String printed() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void linesHaveLogbackXmlsShapeAndInfoIsTheDefaultLevel() {
        Logger log = logger("org.brickd.daemon.Wiring", null);
        log.info("no {} on this host", "multipath-tools");
        log.debug("not shown at INFO");

        assertThat(printed())
                .matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  \\[main\\] Wiring: no multipath-tools on this host\\R");
    }

    @Test
    void aThrowableLastArgumentIsPrintedAsAStackTraceAfterTheLine() {
        logger("org.brickd.iscsi.IscsiAdm", "info").warn("logout of {} failed", "iqn.x", new IllegalStateException("boom"));

        List<String> lines = printed().lines().toList();
        assertThat(lines.get(0)).endsWith("WARN  [main] IscsiAdm: logout of iqn.x failed");
        assertThat(lines.get(1)).isEqualTo("java.lang.IllegalStateException: boom");
        assertThat(lines.get(2)).startsWith("\tat org.brickd.cli.CliLoggerProviderTest");
    }

    @Test
    void brickdLogLevelSetsTheThresholdInAnyCaseAndAnUnknownNameMeansInfo() {
        Logger debug = logger("a.B", "debug");
        assertThat(debug.isDebugEnabled()).isTrue();
        assertThat(debug.isTraceEnabled()).isFalse();
        assertThat(logger("a.B", "WARN").isInfoEnabled()).isFalse();
        assertThat(logger("a.B", "WARN").isWarnEnabled()).isTrue();
        assertThat(logger("a.B", "OFF").isErrorEnabled()).isFalse();
        assertThat(logger("a.B", "loud").isInfoEnabled()).isTrue();
        assertThat(logger("a.B", "loud").isDebugEnabled()).isFalse();
        assertThat(CliLoggerProvider.threshold("TRACE")).isEqualTo(Level.TRACE.toInt());

        logger("a.B", "WARN").info("quiet");
        assertThat(printed()).isEmpty();
    }

    /** What brickctl's main does first, in a JVM of its own, with logback on the class path as in brickctl's. */
    public static void main(String[] args) {
        CliLoggerProvider.select();
        org.slf4j.LoggerFactory.getLogger("org.brickd.daemon.Wiring").warn("selected {}",
                org.slf4j.LoggerFactory.getILoggerFactory().getClass().getName());
    }

    @Test
    void selectedBeforeTheFirstLoggerItReplacesLogbackAndSlf4jSaysNothing() throws Exception {
        Process p = new ProcessBuilder(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), CliLoggerProviderTest.class.getName())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String stderrOfChild = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();

        assertThat(stderrOfChild).matches(
                "\\d\\d:\\d\\d:\\d\\d\\.\\d{3} WARN  \\[main\\] Wiring: selected org\\.brickd\\.cli\\.CliLoggerProvider\\$Factory\\R");
    }

    @Test
    void aLogLineErasesTheProgressLineFirstAndTheNextRedrawBringsItBack() {
        StringWriter terminal = new StringWriter();
        AtomicLong now = new AtomicLong();
        try (Progress progress = new Progress(new PrintWriter(terminal, true), now::get).shownOnStderr()) {
            progress.calling("disconnect_volume");
            now.addAndGet(TimeUnit.SECONDS.toNanos(2));
            progress.redraw();
            logger("org.brickd.iscsi.IscsiAdm", null).info("logout");
            String afterLog = terminal.toString();
            progress.redraw();

            assertThat(afterLog).endsWith("brickctl: detaching ... 2 s" + Progress.ERASE);
            assertThat(terminal.toString()).endsWith(Progress.ERASE + "brickctl: detaching ... 2 s");
        }
        assertThat(printed()).contains("IscsiAdm: logout");
    }
}
