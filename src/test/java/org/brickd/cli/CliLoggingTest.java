package org.brickd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** brickctl's logging in code prints what logback.xml would, and stays out of every other process. */
class CliLoggingTest {

    private final PrintStream stderr = System.err;

    @AfterEach
    void restore() {
        System.setErr(stderr);
        System.clearProperty(CliLogging.PROPERTY);
    }

    @Test
    void inBrickctlLogLinesGoToStderrInLogbackXmlsShapeAtInfo() {
        System.setProperty(CliLogging.PROPERTY, "true");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter());

        assertThat(new CliLogging().configure(context)).isEqualTo(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
        context.getLogger("org.brickd.daemon.Wiring").info("no multipath-tools on this host");
        context.getLogger("org.brickd.daemon.Wiring").debug("not shown at INFO");
        context.stop();

        assertThat(err.toString(StandardCharsets.UTF_8))
                .matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  \\[main\\] Wiring: no multipath-tools on this host\\R");
    }

    @Test
    void aLogLineErasesTheProgressLineFirstAndTheNextRedrawBringsItBack() {
        System.setProperty(CliLogging.PROPERTY, "true");
        System.setErr(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        StringWriter terminal = new StringWriter();
        AtomicLong now = new AtomicLong();
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter());
        new CliLogging().configure(context);

        try (Progress progress = new Progress(new PrintWriter(terminal, true), now::get).shownOnStderr()) {
            progress.calling("disconnect_volume");
            now.addAndGet(TimeUnit.SECONDS.toNanos(2));
            progress.redraw();
            context.getLogger("org.brickd.iscsi.IscsiAdm").info("logout");
            String afterLog = terminal.toString();
            progress.redraw();

            assertThat(afterLog).endsWith("brickctl: detaching ... 2 s" + Progress.ERASE);
            assertThat(terminal.toString()).endsWith(Progress.ERASE + "brickctl: detaching ... 2 s");
        }
        context.stop();
    }

    @Test
    void elsewhereItLeavesTheConfigurationToLogbackXml() {
        LoggerContext context = new LoggerContext();

        assertThat(new CliLogging().configure(context)).isEqualTo(ExecutionStatus.INVOKE_NEXT_IF_ANY);
        assertThat(context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).iteratorForAppenders().hasNext()).isFalse();
    }
}
