package org.brickd.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.brickd.connector.StepKind;
import org.brickd.errors.InvalidInputException;
import org.brickd.ledger.Ledger;
import org.brickd.service.JournaledSteps;
import org.brickd.types.VolumeId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** BRICKD_FAULT_STOP_AT: parsed strictly, and it stops (here: an injected stopper) exactly once, at its step. */
class FaultPointTest {

    @TempDir
    Path state;

    private final List<String> stops = new ArrayList<>();

    private FaultPoint parse(String spec) {
        return FaultPoint.parse(spec, () -> stops.add(spec));
    }

    @Test
    void unsetOrEmptyMeansNoFaultPoint() {
        assertThat(FaultPoint.fromEnvironment(Map.of(), () -> {})).isEmpty();
        assertThat(FaultPoint.fromEnvironment(Map.of(FaultPoint.ENV, ""), () -> {})).isEmpty();
    }

    @Test
    void anUnknownOperationOrStepIsRefusedNamingTheChoices() {
        assertThatThrownBy(() -> parse("mount:scan")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(FaultPoint.ENV).hasMessageContaining("\"mount:scan\"")
                .hasMessageContaining("attach-multipath");
        assertThatThrownBy(() -> parse("attach:format")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("node-delete");
        assertThatThrownBy(() -> parse("attach")).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> FaultPoint.fromEnvironment(Map.of(FaultPoint.ENV, "detach:"), () -> {}))
                .isInstanceOf(InvalidInputException.class);
    }

    @Test
    void itStopsOnceAtTheFirstMatchingStepOfAMatchingOperation() {
        FaultPoint f = parse("attach:scan");

        f.intended("detach", StepKind.SCAN);
        f.intended("attach", StepKind.LOGIN);
        assertThat(stops).isEmpty();
        f.intended("attach-multipath", StepKind.SCAN); // attach covers attach-multipath
        f.intended("attach", StepKind.SCAN);
        assertThat(stops).containsExactly("attach:scan");
    }

    @Test
    void aPreciseOperationDoesNotMatchItsSibling() {
        FaultPoint f = parse("detach-force:unmap");

        f.intended("detach", StepKind.UNMAP);
        assertThat(stops).isEmpty();
        f.intended("detach-force", StepKind.UNMAP);
        assertThat(stops).hasSize(1);
    }

    /** The point of the facility: when it stops, the step's row is already committed and the step has not run. */
    @Test
    void itStopsAfterTheIntendedRowIsCommittedAndBeforeTheStepRuns() {
        try (Ledger ledger = Ledger.open(state)) {
            long intent = ledger.intend(VolumeId.parse("aaaaaaaa-1111-4000-8000-000000000001"), "attach", "{}");
            List<String> seenAtStop = new ArrayList<>();
            boolean[] ran = new boolean[1];
            FaultPoint f = FaultPoint.parse("attach:login", () -> {
                seenAtStop.addAll(ledger.steps(intent).stream().map(Ledger.Step::toString).toList());
                seenAtStop.add("step ran: " + ran[0]);
            });
            JournaledSteps steps = new JournaledSteps(ledger, intent, "attach", f);

            steps.run(StepKind.NODE, "127.0.0.1:3260 iqn.x:t", () -> {});
            steps.run(StepKind.LOGIN, "127.0.0.1:3260 iqn.x:t", () -> ran[0] = true);

            assertThat(seenAtStop).containsExactly("node 127.0.0.1:3260 iqn.x:t done",
                    "login 127.0.0.1:3260 iqn.x:t intended", "step ran: false");
        }
    }
}
