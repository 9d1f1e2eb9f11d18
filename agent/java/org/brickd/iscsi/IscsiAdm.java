package org.brickd.iscsi;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.brickd.errors.BrickException;
import org.brickd.errors.HostException;
import org.brickd.host.Command;
import org.brickd.host.CommandResult;
import org.brickd.host.Commands;
import org.brickd.types.Iqn;
import org.brickd.types.Portal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * open-iscsi's iscsiadm, the one place its argv is built. Node records are addressed by
 * (target, portal) always, so a call never touches another target's record.
 *
 * <p>Exit codes used (open-iscsi's ISCSI_ERR_*): 6 database (a discovery record not found),
 * 15 session exists, 21 no records found, 24 login authentication failed.
 */
public final class IscsiAdm {

    private static final Logger log = LoggerFactory.getLogger(IscsiAdm.class);

    public static final int ERR_IDBM = 6;
    public static final int ERR_SESS_EXISTS = 15;
    public static final int ERR_NO_OBJS_FOUND = 21;
    public static final int ERR_LOGIN_AUTH_FAILED = 24;

    private final Commands commands;
    private final Duration timeout;
    private final NodeRecords records;

    /** {@code records}: where a node's CHAP secrets go, never through iscsiadm's argv. */
    public IscsiAdm(Commands commands, Duration timeout, NodeRecords records) {
        this.commands = commands;
        this.timeout = timeout;
        this.records = records;
    }

    public boolean nodeExists(Portal portal, Iqn target) {
        CommandResult r = run(node(portal, target, timeout).build());
        if (r.exitCode() == ERR_NO_OBJS_FOUND) {
            return false;
        }
        expect(r, 0);
        return true;
    }

    public void nodeNew(Portal portal, Iqn target) {
        expect(run(node(portal, target, timeout).args("--interface", "default", "--op", "new").build()), 0);
    }

    public void nodeUpdate(Portal portal, Iqn target, String key, String value) {
        expect(run(node(portal, target, timeout).args("--op", "update", "-n", key, "-v", value).build()), 0);
    }

    /**
     * As {@link #nodeUpdate} for a secret value, written into the record file itself
     * ({@link NodeRecords}): as an iscsiadm argument any local user could read it in /proc while
     * iscsiadm runs. The value never reaches a log line or an error either.
     */
    public void nodeUpdateSecret(Portal portal, Iqn target, String key, String secret) {
        records.setSecret(portal, target, key, secret);
    }

    /**
     * Logs in; answers the exit code (0, or 15 when a session already exists). A failed
     * login is a HostException naming the portal, with auth failures said plainly.
     */
    public int login(Portal portal, Iqn target, Duration deadline) {
        CommandResult r = run(node(portal, target, deadline).arg("--login").build());
        if (r.exitCode() == ERR_LOGIN_AUTH_FAILED) {
            throw new HostException("iSCSI login to " + target + " at " + portal
                    + " was refused: CHAP authentication failed (check auth_username/auth_password)");
        }
        return expect(r, 0, ERR_SESS_EXISTS);
    }

    /** Logs out; a missing session is fine (idempotent). */
    public void logout(Portal portal, Iqn target) {
        expect(run(node(portal, target, timeout).arg("--logout").build()), 0, ERR_NO_OBJS_FOUND);
    }

    /** Deletes the node record; a missing record is fine (idempotent). */
    public void nodeDelete(Portal portal, Iqn target) {
        expect(run(node(portal, target, timeout).args("--op", "delete").build()), 0, ERR_NO_OBJS_FOUND);
    }

    /** A target that a portal announced in SendTargets discovery, at one of its portals. */
    public record Announced(Portal portal, Iqn target) {}

    /**
     * SendTargets discovery at {@code portal} (with discovery CHAP when given), leaving the
     * node database as it was: no node record is written (op nonpersistent), and the discovery
     * record is deleted again unless it existed before. Lines iscsiadm prints that are not a
     * portal and an IQN are skipped.
     */
    public List<Announced> sendTargets(Portal portal, Optional<Chap> chap, Duration deadline) {
        boolean existed = discoveryRecordExists(portal);
        try {
            CommandResult r;
            if (chap.isPresent()) {
                if (!existed) {
                    expect(run(discoverydb(portal, timeout).args("--op", "new").build()), 0);
                }
                Chap a = chap.get();
                discoveryUpdate(portal, "discovery.sendtargets.auth.authmethod", "CHAP");
                discoveryUpdate(portal, "discovery.sendtargets.auth.username", a.username());
                if (a.mutual()) {
                    discoveryUpdate(portal, "discovery.sendtargets.auth.username_in", a.usernameIn().orElseThrow());
                }
                discoveryUpdateSecret(portal, "discovery.sendtargets.auth.password", a.password());
                if (a.mutual()) {
                    discoveryUpdateSecret(portal, "discovery.sendtargets.auth.password_in", a.passwordIn().orElseThrow());
                }
                r = run(discoverydb(portal, deadline).args("--discover", "--op", "nonpersistent").build());
            } else {
                r = run(Command.of("iscsiadm", deadline).args("-m", "discovery", "-t", "sendtargets", "-p",
                        portal.iscsiadmForm(), "--op", "nonpersistent").build());
            }
            if (r.exitCode() == ERR_LOGIN_AUTH_FAILED) {
                throw new HostException("SendTargets discovery at " + portal + " was refused: CHAP authentication failed"
                        + " (check discovery_auth_username/discovery_auth_password)");
            }
            expect(r, 0);
            return parseSendTargets(r.stdout());
        } finally {
            if (!existed) {
                CommandResult d = run(discoverydb(portal, timeout).args("--op", "delete").build());
                if (d.exitCode() != 0 && d.exitCode() != ERR_NO_OBJS_FOUND && d.exitCode() != ERR_IDBM) {
                    log.warn("discovery record of {} left behind ({}); remove it with: iscsiadm -m discoverydb -t"
                            + " sendtargets -p {} -o delete", portal, d.summary(), portal.iscsiadmForm());
                }
            }
        }
    }

    /** Lines of the form "10.0.0.1:3260,1 iqn.2003-01.org.example:t1" (IPv6 portals in brackets). */
    static List<Announced> parseSendTargets(String out) {
        List<Announced> found = new ArrayList<>();
        for (String line : out.split("\n")) {
            String[] f = line.strip().split("\\s+");
            if (f.length != 2) {
                continue;
            }
            int comma = f[0].lastIndexOf(',');
            String addr = comma < 0 ? f[0] : f[0].substring(0, comma);
            try {
                Announced a = new Announced(Portal.parse("sendtargets portal", addr), Iqn.parse("sendtargets target", f[1]));
                if (!found.contains(a)) {
                    found.add(a);
                }
            } catch (BrickException e) {
                log.warn("sendtargets: skipped '{}': {}", line.strip(), e.getMessage());
            }
        }
        return found;
    }

    private boolean discoveryRecordExists(Portal portal) {
        CommandResult r = run(discoverydb(portal, timeout).build());
        // open-iscsi 2.1 answers a missing discovery record with 6 (ISCSI_ERR_IDBM, "not found")
        if (r.exitCode() == ERR_NO_OBJS_FOUND || r.exitCode() == ERR_IDBM) {
            return false;
        }
        expect(r, 0);
        return true;
    }

    private void discoveryUpdate(Portal portal, String key, String value) {
        expect(run(discoverydb(portal, timeout).args("--op", "update", "-n", key, "-v", value).build()), 0);
    }

    /** Into the discovery record file itself, as {@link #nodeUpdateSecret}: never an iscsiadm argument. */
    private void discoveryUpdateSecret(Portal portal, String key, String secret) {
        records.setDiscoverySecret(portal, key, secret);
    }

    private static Command.Builder discoverydb(Portal portal, Duration t) {
        return Command.of("iscsiadm", t).args("-m", "discoverydb", "-t", "sendtargets", "-p", portal.iscsiadmForm());
    }

    private static Command.Builder node(Portal portal, Iqn target, Duration t) {
        return Command.of("iscsiadm", t).args("-m", "node", "-T", target.toString(), "-p", portal.iscsiadmForm());
    }

    private CommandResult run(Command c) {
        return commands.run(c);
    }

    private static int expect(CommandResult r, Integer... ok) {
        if (!Set.of(ok).contains(r.exitCode())) {
            throw new HostException(r.summary());
        }
        return r.exitCode();
    }
}
