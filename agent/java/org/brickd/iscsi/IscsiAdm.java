package org.brickd.iscsi;

import java.time.Duration;
import java.util.Set;
import org.brickd.errors.HostException;
import org.brickd.host.Command;
import org.brickd.host.CommandResult;
import org.brickd.host.Commands;
import org.brickd.types.Iqn;
import org.brickd.types.Portal;

/**
 * open-iscsi's iscsiadm, the one place its argv is built. Node records are addressed by
 * (target, portal) always, so a call never touches another target's record.
 *
 * <p>Exit codes used (open-iscsi's ISCSI_ERR_*): 15 session exists, 21 no records found,
 * 24 login authentication failed.
 */
public final class IscsiAdm {

    public static final int ERR_SESS_EXISTS = 15;
    public static final int ERR_NO_OBJS_FOUND = 21;
    public static final int ERR_LOGIN_AUTH_FAILED = 24;

    private final Commands commands;
    private final Duration timeout;

    public IscsiAdm(Commands commands, Duration timeout) {
        this.commands = commands;
        this.timeout = timeout;
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

    /** As {@link #nodeUpdate} for a secret value: the value never reaches a log line or an error. */
    public void nodeUpdateSecret(Portal portal, Iqn target, String key, String secret) {
        Command c = node(portal, target, timeout).args("--op", "update", "-n", key, "-v").secret(secret).build();
        expect(run(c), 0);
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
