package org.brickd.service;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.brickd.connector.ConnectionInfo;
import org.brickd.connector.Detached;
import org.brickd.errors.BrickException;
import org.brickd.ledger.Attachment;
import org.brickd.ledger.Ledger;
import org.brickd.types.Wwid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Invariant I6 at start, before the socket accepts calls: every intent a crash left open is
 * resolved by looking at the host. A half-finished attach that the ledger did not record is
 * rolled back (the caller never got a device, and will retry); one that was recorded is
 * complete. A half-finished detach is completed. Then every recorded attachment whose
 * devices are gone is reported. Nothing is forgotten silently: each resolution is logged and
 * kept for {@code brickctl inventory}, naming the last journaled steps the crash cut off
 * ("killed after: login ... done; scan ... intended"). The recovery's own removals are
 * journaled as further steps of the same intent.
 */
public final class Recovery {

    private static final Logger log = LoggerFactory.getLogger(Recovery.class);

    /** What happened to one open intent, or one attachment found without devices. */
    public record Resolution(String volumeId, String op, boolean ok, String outcome) {}

    private final Ledger ledger;
    private final VolumeService volumes;
    private final Function<String, ConnectionInfo> recorded;

    public Recovery(Ledger ledger, VolumeService volumes, Function<String, ConnectionInfo> recorded) {
        this.ledger = ledger;
        this.volumes = volumes;
        this.recorded = recorded;
    }

    public List<Resolution> run() {
        List<Resolution> out = new ArrayList<>();
        for (Ledger.Intent i : ledger.openIntents()) {
            String cutOff = killedAfter(ledger.steps(i.id())); // before the recovery journals its own steps
            Resolution r = resolve(i);
            r = new Resolution(r.volumeId(), r.op(), r.ok(), cutOff + r.outcome());
            ledger.finish(i.id(), r.ok(), "recovered at start: " + r.outcome());
            (r.ok() ? log.atWarn() : log.atError()).log("recovery: volume {} {} (intent {} of {}): {}", i.volumeId(),
                    i.op(), i.id(), i.startedAt(), r.outcome());
            out.add(r);
        }
        for (Attachment a : ledger.allAttachments()) {
            if (a.fenced()) {
                continue;
            }
            try {
                ConnectionInfo c = recorded.apply(a.connection());
                if (volumes.bind(c).volumePaths().isEmpty()) {
                    String why = "recorded as attached at " + a.path() + " but none of its devices is on the host;"
                            + " the attachment is kept until the compute service detaches it";
                    log.error("recovery: volume {}: {}", a.volumeId(), why);
                    out.add(new Resolution(a.volumeId().toString(), "check", false, why));
                }
            } catch (BrickException | IllegalArgumentException e) {
                out.add(new Resolution(a.volumeId().toString(), "check", false, "cannot check it: " + e.getMessage()));
            }
        }
        if (out.isEmpty()) {
            log.info("recovery: no unfinished operation; every attachment has its devices");
        }
        return out;
    }

    /** How far the cut-off operation got: its last two journaled steps, or that it changed nothing yet. */
    static String killedAfter(List<Ledger.Step> steps) {
        if (steps.isEmpty()) {
            return "killed before its first host change; ";
        }
        List<Ledger.Step> last = steps.subList(Math.max(0, steps.size() - 2), steps.size());
        return "killed after: " + String.join("; ", last.stream().map(Ledger.Step::toString).toList()) + " ("
                + steps.size() + " step" + (steps.size() == 1 ? "" : "s") + " journaled); ";
    }

    private Resolution resolve(Ledger.Intent i) {
        String vol = i.volumeId().toString();
        List<Attachment> rows = ledger.attachments(i.volumeId());
        ConnectionInfo c;
        try {
            c = recorded.apply(i.detail());
        } catch (BrickException | IllegalArgumentException e) {
            if (i.op().startsWith("attach") && !rows.isEmpty()) {
                return new Resolution(vol, i.op(), true, "the attach had completed (it is recorded)");
            }
            return new Resolution(vol, i.op(), false, "the intent's connection cannot be read (" + e.getMessage()
                    + "); run 'brickctl cleanup --dry-run' to see what it left");
        }
        if (i.op().startsWith("attach")) {
            if (rows.stream().anyMatch(a -> !a.fenced())) {
                return new Resolution(vol, i.op(), true, "the attach had completed (it is recorded); kept");
            }
            return undo(i, c, true, Optional.empty(), "rolled back the unfinished attach");
        }
        boolean force = i.op().equals("detach-force");
        Optional<Wwid> wwid = rows.stream().map(Attachment::wwid).findFirst();
        Resolution r = undo(i, c, force, wwid, "completed the unfinished detach");
        if (r.ok()) {
            ledger.removeAttachments(i.volumeId());
        }
        return r;
    }

    private Resolution undo(Ledger.Intent i, ConnectionInfo c, boolean force, Optional<Wwid> wwid, String what) {
        String vol = i.volumeId().toString();
        String op = i.op();
        try {
            Detached d = volumes.bind(c).disconnect(force, wwid, new JournaledSteps(ledger, i.id(), op,
                    JournaledSteps.Watch.NONE));
            if (d.clean()) {
                return new Resolution(vol, op, true, what + (d.removed().isEmpty() ? " (nothing was on the host)"
                        : ": removed " + d.removed()));
            }
            return new Resolution(vol, op, false, what + " FAILED: left " + d.leftovers() + " (errors " + d.errors() + ")");
        } catch (BrickException e) {
            return new Resolution(vol, op, false, what + " FAILED: " + e.getMessage());
        }
    }
}
