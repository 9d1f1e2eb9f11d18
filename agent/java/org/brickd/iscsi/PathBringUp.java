package org.brickd.iscsi;

import java.util.Optional;
import org.brickd.connector.Attached.PathDevice;
import org.brickd.connector.IscsiConnection;
import org.brickd.connector.IscsiConnection.IscsiPath;
import org.brickd.connector.KeyedLocks;
import org.brickd.connector.StepKind;
import org.brickd.connector.Steps;
import org.brickd.errors.HostException;
import org.brickd.host.Uevents;
import org.brickd.scsi.ScsiOps;
import org.brickd.types.BlockDevice;
import org.brickd.types.Hctl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One path of a volume, brought up and, on failure, taken down again (and its session logged
 * out once it carries no LUN, whichever attach logged in): node record with
 * manual scan (I2), login only without a session, a scan of exactly the path's LUN, the
 * disk awaited on uevents. Node record, login and scan run under the target's lock, and so
 * does every undo, so another attach never picks up a session that is being logged out.
 * The wait for the disk does not: once the scan has made the SCSI device, the session
 * carries a LUN and no other caller logs it out, so LUNs of one target come up together.
 * Each host change (node record, login, scan, and the undo's delete, logout, node delete)
 * is a journaled step of the operation's {@link Steps}.
 */
final class PathBringUp {

    private static final Logger log = LoggerFactory.getLogger(PathBringUp.class);

    private final IscsiAdm adm;
    private final IscsiSessions sessions;
    private final ScsiOps scsi;
    private final Uevents uevents;
    private final KeyedLocks targetLocks;
    private final IscsiConnector.Settings settings;

    PathBringUp(IscsiAdm adm, IscsiSessions sessions, ScsiOps scsi, Uevents uevents, KeyedLocks targetLocks,
            IscsiConnector.Settings settings) {
        this.adm = adm;
        this.sessions = sessions;
        this.scsi = scsi;
        this.uevents = uevents;
        this.targetLocks = targetLocks;
        this.settings = settings;
    }

    /** What a bring-up changed, so that exactly that can be undone. */
    static final class Progress {
        final IscsiPath path;
        final Steps steps;
        boolean touchedNode;
        Hctl scanned;

        Progress(IscsiPath path, Steps steps) {
            this.path = path;
            this.steps = steps;
        }
    }

    /** Brings the path's disk up; on failure undoes its own changes and rethrows. */
    PathDevice bringUp(IscsiConnection c, IscsiPath p, Progress done) {
        Hctl hctl;
        try (KeyedLocks.Held target = targetLocks.lock(targetKey(p))) {
            try {
                hctl = scanLocked(c, p, done);
            } catch (RuntimeException e) {
                undoLocked(c, done, e);
                throw e;
            }
        }
        try {
            BlockDevice disk = scsi.awaitDisk(hctl, settings.device());
            return new PathDevice(hctl, disk, p.toString());
        } catch (RuntimeException e) {
            undo(c, done, e);
            throw e;
        }
    }

    /** Node record, session and the scan of the path's LUN; answers the LUN's address. Caller holds the target lock. */
    private Hctl scanLocked(IscsiConnection c, IscsiPath p, Progress done) {
        Optional<IscsiSession> existing = sessions.find(p.portal(), p.target());
        IscsiSession session;
        if (existing.isPresent()) {
            session = existing.get();
        } else {
            done.touchedNode = true;
            done.steps.run(StepKind.NODE, target(p), () -> prepareNode(p, c.chap()));
            session = done.steps.call(StepKind.LOGIN, target(p), () -> {
                adm.login(p.portal(), p.target(), settings.login());
                return awaitSession(p);
            });
        }
        Hctl hctl = hctlFor(session, p);
        if (!scsi.present(hctl)) {
            done.scanned = hctl;
            done.steps.run(StepKind.SCAN, hctl + " via " + target(p), () -> {
                if (!scsi.scan(hctl)) {
                    throw new HostException("LUN " + p.lun() + " is not presented to this initiator by " + p.target()
                            + " at " + p.portal() + " (a scan of " + hctl + " found nothing)");
                }
            });
        }
        if (scsi.noDevice(hctl)) {
            // LIO answers an unmapped LUN 0 with a "no device" LUN (type 0x1f) that never gets a disk
            throw new HostException("LUN " + p.lun() + " is not mapped to this initiator by " + p.target() + " at "
                    + p.portal() + " (" + hctl + " answers as peripheral type 0x1f, no device)");
        }
        return hctl;
    }

    /** Undoes a bring-up that succeeded but whose attach failed later (I1, no map...). */
    void undo(IscsiConnection c, Progress done, RuntimeException cause) {
        try (KeyedLocks.Held target = targetLocks.lock(targetKey(done.path))) {
            undoLocked(c, done, cause);
        }
    }

    private void undoLocked(IscsiConnection c, Progress done, RuntimeException cause) {
        IscsiPath p = done.path;
        try {
            if (done.scanned != null) {
                Hctl h = done.scanned;
                done.steps.run(StepKind.DELETE, h.toString(), () -> scsi.delete(h, settings.removal()));
            }
            // whoever logged in: when attaches of several LUNs fail together, the one that made
            // the session may undo first, while the others' LUNs still hold it; the last one out
            // logs out (under the target lock no other attach is between its login and its scan)
            boolean loggedOut = (done.touchedNode || done.scanned != null) && logoutIfUnused(p, done.steps);
            if (done.touchedNode && !loggedOut && sessions.find(p.portal(), p.target()).isEmpty()) {
                done.steps.run(StepKind.NODE_DELETE, target(p), () -> adm.nodeDelete(p.portal(), p.target()));
            }
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
            log.error("volume {}: cleanup after failed attach via {} failed: {}", c.volumeId(), p, e.getMessage());
        }
    }

    private void prepareNode(IscsiPath p, Optional<Chap> chap) {
        if (!adm.nodeExists(p.portal(), p.target())) {
            adm.nodeNew(p.portal(), p.target());
        }
        adm.nodeUpdate(p.portal(), p.target(), "node.session.scan", "manual");
        // brickd logs in itself (and again after a restart, from its ledger); no boot-time logins
        adm.nodeUpdate(p.portal(), p.target(), "node.startup", "manual");
        // one login attempt bounded by the deadline: iscsid must not keep retrying a dead portal
        adm.nodeUpdate(p.portal(), p.target(), "node.session.initial_login_retry_max", "1");
        adm.nodeUpdate(p.portal(), p.target(), "node.conn[0].timeo.login_timeout",
                Long.toString(Math.max(1, settings.login().toSeconds() / 2)));
        if (chap.isPresent()) {
            Chap a = chap.get();
            adm.nodeUpdate(p.portal(), p.target(), "node.session.auth.authmethod", "CHAP");
            adm.nodeUpdate(p.portal(), p.target(), "node.session.auth.username", a.username());
            if (a.mutual()) {
                adm.nodeUpdate(p.portal(), p.target(), "node.session.auth.username_in", a.usernameIn().orElseThrow());
            }
            // the secrets last, into the record file: never an iscsiadm argument
            adm.nodeUpdateSecret(p.portal(), p.target(), "node.session.auth.password", a.password());
            if (a.mutual()) {
                adm.nodeUpdateSecret(p.portal(), p.target(), "node.session.auth.password_in", a.passwordIn().orElseThrow());
            }
        } else {
            adm.nodeUpdate(p.portal(), p.target(), "node.session.auth.authmethod", "None");
        }
    }

    private IscsiSession awaitSession(IscsiPath p) {
        IscsiSession[] s = new IscsiSession[1];
        uevents.await("the iSCSI session to " + p.target() + " at " + p.portal(), () -> {
            s[0] = sessions.find(p.portal(), p.target()).orElse(null);
            return s[0] != null;
        }, settings.login());
        return s[0];
    }

    Hctl hctlFor(IscsiSession s, IscsiPath p) {
        int[] ct = sessions.channelTarget(s).orElse(new int[] {0, 0});
        return new Hctl(s.host(), ct[0], ct[1], p.lun().kernelLun());
    }

    /** Logs out and deletes the node record when the session carries no LUN any more. Caller holds the target lock. */
    boolean logoutIfUnused(IscsiPath p, Steps steps) {
        Optional<IscsiSession> s = sessions.find(p.portal(), p.target());
        if (s.isEmpty()) {
            return false;
        }
        if (!sessions.devices(s.get()).isEmpty()) {
            return false;
        }
        steps.run(StepKind.LOGOUT, target(p), () -> adm.logout(p.portal(), p.target()));
        steps.run(StepKind.NODE_DELETE, target(p), () -> adm.nodeDelete(p.portal(), p.target()));
        return true;
    }

    /**
     * After a detach: logs out of the path's session if it carries no LUN any more and deletes
     * its node record; with no session, deletes a node record left behind (a crash between
     * logout and delete, or an earlier tool). Answers what it removed. Caller holds the target lock.
     */
    Optional<String> cleanUpTarget(IscsiPath p, Steps steps) {
        if (logoutIfUnused(p, steps)) {
            return Optional.of("session " + p.portal() + " " + p.target());
        }
        if (sessions.find(p.portal(), p.target()).isEmpty() && adm.nodeExists(p.portal(), p.target())) {
            steps.run(StepKind.NODE_DELETE, target(p), () -> adm.nodeDelete(p.portal(), p.target()));
            return Optional.of("node record " + p.portal() + " " + p.target());
        }
        return Optional.empty();
    }

    KeyedLocks.Held lockTarget(IscsiPath p) {
        return targetLocks.lock(targetKey(p));
    }

    /** A step's detail: portal and target, never a secret. */
    private static String target(IscsiPath p) {
        return p.portal() + " " + p.target();
    }

    static String targetKey(IscsiPath p) {
        return "iscsi-target " + p.portal() + " " + p.target();
    }
}
