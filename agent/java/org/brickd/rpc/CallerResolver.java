package org.brickd.rpc;

import java.io.IOException;
import jdk.net.UnixDomainPrincipal;

/** Turns the kernel's peer credentials into a {@link Caller}. Replaceable so tests can pose as another user. */
@FunctionalInterface
public interface CallerResolver {

    Caller resolve(UnixDomainPrincipal peer) throws IOException;

    /** Resolves names through /etc/passwd and /etc/group, read afresh per connection so edits take effect. */
    static CallerResolver system() {
        return peer -> PosixNames.system().caller(peer.user().getName(), peer.group().getName());
    }
}
