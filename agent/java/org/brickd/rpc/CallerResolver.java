package org.brickd.rpc;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.brickd.host.PeerCredentials;

/** Turns the kernel's peer credentials of a connection into a {@link Caller}. Replaceable so tests can pose as another user. */
@FunctionalInterface
public interface CallerResolver {

    Caller resolve(SocketChannel peer) throws IOException;

    /**
     * Names from the JDK's SO_PEERCRED (resolved through NSS, so LDAP/sssd accounts keep their
     * names), ids looked up in /etc/passwd and /etc/group, read afresh per connection so
     * edits take effect; the pid is unknown (-1).
     */
    static CallerResolver system() {
        return peer -> {
            UnixDomainPrincipal p = peer.getOption(ExtendedSocketOptions.SO_PEERCRED);
            return PosixNames.system().caller(p.user().getName(), p.group().getName());
        };
    }

    /**
     * As {@link #system()}, with pid, uid and gid from one SO_PEERCRED getsockopt through the
     * native shim when {@code kernel} can reach a connection's descriptor. The names and the
     * numbers describe the same credentials: the kernel fixes them at connect time.
     */
    static CallerResolver system(PeerCredentials kernel) {
        if (!kernel.available()) {
            return system();
        }
        return peer -> {
            UnixDomainPrincipal p = peer.getOption(ExtendedSocketOptions.SO_PEERCRED);
            PosixNames names = PosixNames.system();
            String user = p.user().getName();
            String group = p.group().getName();
            return kernel.of(peer).map(c -> names.caller(user, group, c.pid(), c.uid(), c.gid()))
                    .orElseGet(() -> names.caller(user, group));
        };
    }
}
