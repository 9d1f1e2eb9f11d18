package org.brickd.scsi;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.brickd.types.Wwid;

/**
 * VPD page 0x83 (device identification), parsed from the bytes the LUN returned.
 * The logical unit's WWID is chosen from the designators associated with the LU the
 * way the kernel's sysfs {@code wwid} is: NAA first (longest, so NAA 6 over NAA 5),
 * then EUI-64 (longest), then the T10 vendor id.
 */
public final class Vpd83 {

    public static final int PAGE = 0x83;

    /** One identification descriptor. */
    public record Designator(int codeSet, int association, int type, byte[] value) {
        public static final int T10 = 1;
        public static final int EUI64 = 2;
        public static final int NAA = 3;
        public static final int SCSI_NAME = 8;

        public boolean forLogicalUnit() {
            return association == 0;
        }

        public String hex() {
            return HexFormat.of().formatHex(value);
        }

        public String text() {
            return new String(value, StandardCharsets.US_ASCII).replace("\0", "").strip();
        }
    }

    private final List<Designator> designators;

    private Vpd83(List<Designator> designators) {
        this.designators = List.copyOf(designators);
    }

    public static Vpd83 parse(byte[] page) {
        if (page.length < 4 || (page[1] & 0xff) != PAGE) {
            throw new IllegalArgumentException("not a VPD page 0x83 (" + page.length + " bytes)");
        }
        int end = Math.min(page.length, 4 + (((page[2] & 0xff) << 8) | (page[3] & 0xff)));
        List<Designator> out = new ArrayList<>();
        int i = 4;
        while (i + 4 <= end) {
            int len = page[i + 3] & 0xff;
            if (i + 4 + len > end) {
                break; // truncated descriptor: the rest of the page cannot be trusted
            }
            byte[] value = new byte[len];
            System.arraycopy(page, i + 4, value, 0, len);
            out.add(new Designator(page[i] & 0x0f, (page[i + 1] >> 4) & 0x3, page[i + 1] & 0x0f, value));
            i += 4 + len;
        }
        return new Vpd83(out);
    }

    public List<Designator> designators() {
        return designators;
    }

    /** The LU's WWID, or empty when the page names none (some LIO states, broken arrays). */
    public Optional<Wwid> wwid() {
        Designator best = null;
        for (Designator d : designators) {
            if (!d.forLogicalUnit() || d.value().length == 0) {
                continue;
            }
            if (best == null || rank(d) > rank(best)) {
                best = d;
            }
        }
        if (best == null) {
            return Optional.empty();
        }
        return Optional.of(switch (best.type()) {
            case Designator.NAA -> Wwid.parse("vpd_pg83", "naa." + best.hex());
            case Designator.EUI64 -> Wwid.parse("vpd_pg83", "eui." + best.hex());
            default -> Wwid.parse("vpd_pg83", "t10." + best.text());
        });
    }

    private static int rank(Designator d) {
        int base = switch (d.type()) {
            case Designator.NAA -> 3000;
            case Designator.EUI64 -> 2000;
            case Designator.T10 -> 1000;
            default -> -1_000_000;
        };
        return base + d.value().length;
    }
}
