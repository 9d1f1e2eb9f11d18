package org.brickd.errors;

/** I1 refused a device: the LUN's own WWID is not the one this volume must have. */
public final class WwidMismatchException extends BrickException {

    public WwidMismatchException(String message) {
        super(Code.WWID_MISMATCH, message);
    }
}
