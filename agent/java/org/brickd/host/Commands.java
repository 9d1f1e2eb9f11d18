package org.brickd.host;

/**
 * Runs programs. The real one is {@link ProcessCommands}; unit tests use a recording fake
 * that answers from a script, so iscsiadm's argv (the contract) is asserted in one place.
 */
public interface Commands {

    /**
     * Runs the command to completion or its deadline. A non-zero exit is a result, not an
     * exception; a deadline passed is a {@link org.brickd.errors.DeadlineException} after the
     * whole process group has been killed; a program that cannot start is a HostException.
     */
    CommandResult run(Command command);
}
