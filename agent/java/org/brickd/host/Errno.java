package org.brickd.host;

/** Names for the errno values the shim returns, so messages say ENXIO rather than 6. */
final class Errno {

    private Errno() {}

    static String describe(int errno) {
        String name = switch (errno) {
            case 1 -> "EPERM (operation not permitted)";
            case 2 -> "ENOENT (no such file or device)";
            case 5 -> "EIO (I/O error)";
            case 6 -> "ENXIO (no such device or address)";
            case 13 -> "EACCES (permission denied)";
            case 16 -> "EBUSY (device or resource busy)";
            case 19 -> "ENODEV (no such device)";
            case 22 -> "EINVAL (invalid argument)";
            case 25 -> "ENOTTY (not a SCSI/block device)";
            case 110 -> "ETIMEDOUT (timed out)";
            case 111 -> "ECONNREFUSED (nobody listens there)";
            default -> "errno " + errno;
        };
        return name;
    }
}
