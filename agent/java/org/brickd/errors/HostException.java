package org.brickd.errors;

/** The host refused or failed an operation (a sysfs write, a command, an ioctl); {@link org.brickd.host.ScsiCheckException} carries sense data. */
public class HostException extends BrickException {

    public HostException(String message) {
        super(Code.HOST_ERROR, message);
    }

    public HostException(String message, Throwable cause) {
        super(Code.HOST_ERROR, message, cause);
    }
}
