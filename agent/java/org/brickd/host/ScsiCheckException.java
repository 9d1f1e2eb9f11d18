package org.brickd.host;

import org.brickd.errors.HostException;

/** A SCSI command ended in a check condition (or a host/driver error), with its sense data. */
public final class ScsiCheckException extends HostException {

    private final int senseKey;
    private final int asc;
    private final int ascq;

    public ScsiCheckException(String message, int senseKey, int asc, int ascq) {
        super(message);
        this.senseKey = senseKey;
        this.asc = asc;
        this.ascq = ascq;
    }

    /**
     * ILLEGAL REQUEST / LOGICAL UNIT NOT SUPPORTED: the target has no LUN at this number
     * any more (LIO answers so at an unmapped LUN other than 0).
     */
    public boolean lunNotSupported() {
        return senseKey == 0x5 && asc == 0x25;
    }

    public int senseKey() {
        return senseKey;
    }

    public int asc() {
        return asc;
    }

    public int ascq() {
        return ascq;
    }
}
