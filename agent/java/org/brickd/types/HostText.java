package org.brickd.types;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Parsers for the three host forms a portal may carry. Hand-written rather than
 * {@code InetAddress.getByName}, which would resolve a name it does not recognise as a
 * literal, accepts zone ids, and turns {@code ::ffff:a.b.c.d} into an IPv4 address.
 * Each method returns the canonical text, or null when the input is not of that form.
 */
final class HostText {

    static final int MAX_HOSTNAME = 253;
    private static final Pattern LABEL = Pattern.compile("[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?");

    private HostText() {
    }

    /** Dotted quad, each octet 0..255 written without leading zeros. */
    static String ipv4(String s) {
        int[] octets = ipv4Octets(s);
        return octets == null ? null : octets[0] + "." + octets[1] + "." + octets[2] + "." + octets[3];
    }

    /**
     * IPv6 per RFC 4291 §2.2 (hex groups, one {@code ::}, optional dotted-quad tail), no zone
     * id, rendered per RFC 5952: lowercase, no leading zeros, the longest run of two or more
     * zero groups (the first on a tie) as {@code ::}, IPv4-mapped addresses as
     * {@code ::ffff:a.b.c.d}.
     */
    static String ipv6(String s) {
        int[] g = ipv6Groups(s);
        return g == null ? null : format(g);
    }

    /** An RFC 1123 host name, lowercased; no trailing dot. */
    static String hostname(String s) {
        if (s.isEmpty() || s.length() > MAX_HOSTNAME) {
            return null;
        }
        String lower = s.toLowerCase(Locale.ROOT);
        for (String label : lower.split("\\.", -1)) {
            if (!LABEL.matcher(label).matches()) {
                return null;
            }
        }
        return lower;
    }

    private static int[] ipv4Octets(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        int[] octets = new int[4];
        for (int i = 0; i < 4; i++) {
            long v = parts[i].length() > 3 ? -1 : Check.unsigned(parts[i]);
            if (v < 0 || v > 255) {
                return null;
            }
            octets[i] = (int) v;
        }
        return octets;
    }

    private static int[] ipv6Groups(String s) {
        if (s.isEmpty() || s.length() > 45) {
            return null;
        }
        int gap = s.indexOf("::");
        List<Integer> head;
        List<Integer> tail;
        if (gap < 0) {
            head = groups(s, true);
            tail = List.of();
        } else {
            if (s.indexOf("::", gap + 1) >= 0) {
                return null;
            }
            head = groups(s.substring(0, gap), false);
            tail = groups(s.substring(gap + 2), true);
        }
        if (head == null || tail == null) {
            return null;
        }
        int given = head.size() + tail.size();
        if (gap < 0 ? given != 8 : given > 7) {
            return null;
        }
        int[] g = new int[8];
        for (int i = 0; i < head.size(); i++) {
            g[i] = head.get(i);
        }
        for (int i = 0; i < tail.size(); i++) {
            g[8 - tail.size() + i] = tail.get(i);
        }
        return g;
    }

    /** Colon-separated hex groups; the last may be a dotted quad when it ends the address. */
    private static List<Integer> groups(String part, boolean endsAddress) {
        List<Integer> out = new ArrayList<>();
        if (part.isEmpty()) {
            return out;
        }
        String[] pieces = part.split(":", -1);
        for (int i = 0; i < pieces.length; i++) {
            String p = pieces[i];
            if (endsAddress && i == pieces.length - 1 && p.indexOf('.') >= 0) {
                int[] o = ipv4Octets(p);
                if (o == null) {
                    return null;
                }
                out.add(o[0] << 8 | o[1]);
                out.add(o[2] << 8 | o[3]);
            } else {
                String lower = p.toLowerCase(Locale.ROOT);
                if (lower.length() > 4 || !Check.isLowerHex(lower)) {
                    return null;
                }
                out.add(Integer.parseInt(lower, 16));
            }
        }
        return out;
    }

    private static String format(int[] g) {
        boolean mapped = g[0] == 0 && g[1] == 0 && g[2] == 0 && g[3] == 0 && g[4] == 0 && g[5] == 0xffff;
        if (mapped) {
            return "::ffff:" + (g[6] >> 8) + "." + (g[6] & 0xff) + "." + (g[7] >> 8) + "." + (g[7] & 0xff);
        }
        int bestStart = -1;
        int bestLen = 1;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                b.append("::");
                i += bestLen - 1;
                continue;
            }
            if (b.length() > 0 && b.charAt(b.length() - 1) != ':') {
                b.append(':');
            }
            b.append(Integer.toHexString(g[i]));
        }
        return b.toString();
    }
}
