package org.brickd.daemon;

import org.brickd.connector.StepKind;
import org.brickd.host.SelfStop;

/** A process for {@link FaultPointStopTest}: reaches a fault point with the real SIGSTOP, then says it went on. */
public final class StopSelfMain {

    private StopSelfMain() {}

    public static void main(String[] args) {
        FaultPoint f = FaultPoint.parse(args[0], SelfStop::now);
        System.out.println("reaching " + args[0]);
        System.out.flush();
        f.intended("attach", StepKind.SCAN);
        System.out.println("went on");
    }
}
