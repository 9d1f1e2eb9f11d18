package org.brickd.fc;

import java.util.Optional;
import org.brickd.errors.HostException;
import org.brickd.host.Sysfs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * I2 for Fibre Channel: when a target port appears (at boot, after a link comes back, a
 * zoning change), the FC transport scans every LUN behind it unless the SCSI midlayer's
 * scan mode (module parameter {@code scan} of scsi_mod, writable at runtime) is
 * {@code manual}. Then only the targeted "C T L" scans brickd writes bring LUNs in.
 */
public final class ScsiScanMode {

    private static final Logger log = LoggerFactory.getLogger(ScsiScanMode.class);
    static final String PARAMETER = "module/scsi_mod/parameters/scan";
    static final String MANUAL = "manual";

    private final Sysfs sysfs;

    public ScsiScanMode(Sysfs sysfs) {
        this.sysfs = sysfs;
    }

    /** The mode now ("async", "sync", "manual", "none"); empty when scsi_mod is not loaded. */
    public Optional<String> current() {
        return sysfs.read(PARAMETER).map(String::strip);
    }

    /**
     * Sets the mode to manual and answers what it was (empty: scsi_mod is not loaded, nothing
     * to set). A write the kernel refuses, or that does not stick, is an error: brickd must not
     * run believing I2 holds when it does not.
     */
    public Optional<String> makeManual() {
        Optional<String> before = current();
        if (before.isEmpty()) {
            log.warn("scsi_mod is not loaded (no /sys/{}): once it loads, FC target ports are scanned for every LUN"
                    + " unless it is loaded with scan=manual (modprobe.d: 'options scsi_mod scan=manual')", PARAMETER);
            return before;
        }
        if (!before.get().equals(MANUAL)) {
            // no newline: the parameter holds at most 6 characters and "manual\n" is refused with EINVAL
            sysfs.write(PARAMETER, MANUAL);
            Optional<String> after = current();
            if (!after.equals(Optional.of(MANUAL))) {
                throw new HostException("wrote 'manual' to /sys/" + PARAMETER + " but it reads "
                        + after.orElse("nothing") + ": the FC transport would scan every LUN of a new target port");
            }
        }
        log.info("SCSI scan mode (scsi_mod scan) was '{}', now 'manual': FC target ports bring no LUN by themselves",
                before.get());
        return before;
    }
}
