package org.brickd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.brickd.connector.StepKind;
import org.junit.jupiter.api.Test;

/**
 * What an operator's terminal shows while brickctl waits on a call: nothing for a quick call;
 * for a slow one a single line, redrawn in place with the step and the seconds, gone when the
 * call returns. The terminal is a StringWriter read as a terminal would (each ERASE starts the
 * line over), the clock a counter the test moves.
 */
class ProgressTest {

    private final AtomicLong now = new AtomicLong();
    private final StringWriter terminal = new StringWriter();
    private final Progress progress = new Progress(new PrintWriter(terminal, true), now::get);

    private void advanceMillis(long ms) {
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms));
    }

    /** Each line the terminal showed in turn (an ERASE wipes the line and starts it over); "" when it was wiped clean. */
    private List<String> frames() {
        String t = terminal.toString();
        assertThat(t).as("only whole redraws are written").satisfiesAnyOf(s -> assertThat(s).isEmpty(),
                s -> assertThat(s).startsWith(Progress.ERASE));
        return Arrays.asList(t.substring(Math.min(t.length(), Progress.ERASE.length())).split("\r\033\\[K", -1));
    }

    @Test
    void aCallQuickerThanASecondShowsNothing() {
        progress.calling("inventory");
        advanceMillis(900);
        progress.redraw();
        progress.returned();

        assertThat(terminal.toString()).isEmpty();
    }

    @Test
    void aSlowCallShowsOneLineWithItsStepsAndSecondsThenClearsIt() {
        progress.calling("disconnect_volume");
        advanceMillis(400);
        progress.intended("disconnect", StepKind.FLUSH, "sdb");
        advanceMillis(700);
        progress.redraw();
        progress.redraw();
        progress.intended("disconnect", StepKind.DELETE, "7:0:0:1");
        advanceMillis(1000);
        progress.redraw();
        progress.returned();

        assertThat(frames()).containsExactly(
                "brickctl: detaching, step 1: flush sdb ... 1 s",
                "brickctl: detaching, step 2: delete 7:0:0:1 ... 1 s",
                "brickctl: detaching, step 2: delete 7:0:0:1 ... 2 s",
                "");
    }

    @Test
    void eachCallCountsItsOwnTimeAndSteps() {
        progress.calling("inventory");
        advanceMillis(1500);
        progress.redraw();
        progress.returned();
        progress.calling("find_stale");
        advanceMillis(300);
        progress.redraw();
        advanceMillis(900);
        progress.redraw();
        progress.returned();

        assertThat(frames()).containsExactly(
                "brickctl: reading the host's devices ... 1 s", "",
                "brickctl: classifying devices (stale, orphan, drift) ... 1 s", "");
    }

    @Test
    void whenStderrIsNotATerminalNothingIsPrintedWhateverTheCallTakes() {
        // surefire's fork writes stderr into a pipe, as a script, a log file or a probe would
        Progress p = Progress.onStderr();
        PrintStream stderr = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            p.calling("cleanup_stale");
            p.intended("cleanup", StepKind.DELETE, "sdc");
            p.redraw();
            p.close();
        } finally {
            System.setErr(stderr);
        }

        assertThat(p).isSameAs(Progress.NONE);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void closingMidCallClearsTheLine() {
        progress.calling("connect_volume");
        advanceMillis(2000);
        progress.redraw();
        progress.close();

        assertThat(frames()).containsExactly("brickctl: attaching ... 2 s", "");
    }
}
