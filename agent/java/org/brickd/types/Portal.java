package org.brickd.types;

import org.brickd.errors.InvalidInputException;

/**
 * An iSCSI portal: {@code host[:port]}, where host is an IPv4 dotted quad, an IPv6 address
 * in brackets, or an RFC 1123 host name. The port defaults to {@value #DEFAULT_PORT}. At most
 * {@value #MAX_LENGTH} characters (a 253-character name and {@code :65535}).
 *
 * <p>The host is stored canonically and without brackets: IPv4 without leading zeros, IPv6
 * in RFC 5952 form, names lowercased (names are not resolved, so a name and its address are
 * different portals). A host made only of digits and dots is read as IPv4 and must be a valid
 * one: RFC 1123 §2.1 rules out names that look like dotted quads. IPv6 zone ids are refused:
 * iscsiadm cannot take them in a portal.
 */
public record Portal(String host, int port) {

    public static final String FIELD = "target_portal";
    public static final int DEFAULT_PORT = 3260;
    public static final int MAX_LENGTH = 259;

    /** Normalises {@code host} (bare, no brackets) and checks {@code port} is 1..65535. */
    public Portal {
        host = canonicalHost(FIELD, host, host);
        if (port < 1 || port > 65535) {
            throw new InvalidInputException(FIELD, port, "port is out of range 1..65535");
        }
    }

    public static Portal parse(String raw) {
        return parse(FIELD, raw);
    }

    public static Portal parse(String field, String raw) {
        Check.text(field, raw, MAX_LENGTH);
        String hostPart;
        String portPart;
        if (raw.startsWith("[")) {
            int close = raw.indexOf(']');
            if (close < 0) {
                throw Check.bad(field, raw, "opens '[' without a closing ']'");
            }
            hostPart = raw.substring(1, close);
            String rest = raw.substring(close + 1);
            if (rest.isEmpty()) {
                portPart = null;
            } else if (rest.charAt(0) == ':') {
                portPart = rest.substring(1);
            } else {
                throw Check.bad(field, raw, "has text after ']' that is not :port");
            }
            if (hostPart.indexOf(':') < 0) {
                throw Check.bad(field, raw, "uses brackets, which are only for IPv6 addresses");
            }
        } else {
            if (raw.indexOf('[') >= 0 || raw.indexOf(']') >= 0) {
                throw Check.bad(field, raw, "has a bracket outside a leading [IPv6] host");
            }
            int colon = raw.indexOf(':');
            if (colon != raw.lastIndexOf(':')) {
                throw Check.bad(field, raw, "has several ':'; write an IPv6 host in brackets, e.g. [fe80::1]:3260");
            }
            hostPart = colon < 0 ? raw : raw.substring(0, colon);
            portPart = colon < 0 ? null : raw.substring(colon + 1);
        }
        String host = canonicalHost(field, raw, hostPart);
        int port = DEFAULT_PORT;
        if (portPart != null) {
            long p = Check.unsigned(portPart);
            if (p < 1 || p > 65535) {
                throw Check.bad(field, raw, "has port '" + portPart + "'; expected a number 1..65535");
            }
            port = (int) p;
        }
        return new Portal(host, port);
    }

    public boolean isIpv6() {
        return host.indexOf(':') >= 0;
    }

    /** The form iscsiadm takes after {@code -p}: the same as {@link #toString()}. */
    public String iscsiadmForm() {
        return toString();
    }

    @Override
    public String toString() {
        return (isIpv6() ? "[" + host + "]" : host) + ":" + port;
    }

    private static String canonicalHost(String field, String shown, String host) {
        if (host == null) {
            throw new InvalidInputException(field, null, "has no host");
        }
        if (host.isEmpty()) {
            throw Check.bad(field, shown, "has an empty host");
        }
        if (host.indexOf(':') >= 0) {
            if (host.indexOf('%') >= 0) {
                throw Check.bad(field, shown, "has an IPv6 zone id, which a portal cannot carry");
            }
            String v6 = HostText.ipv6(host);
            if (v6 == null) {
                throw Check.bad(field, shown, "is not a valid IPv6 address");
            }
            return v6;
        }
        if (host.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'))) {
            String v4 = HostText.ipv4(host);
            if (v4 == null) {
                throw Check.bad(field, shown, "is not a valid IPv4 address (four octets 0..255, no leading zeros)");
            }
            return v4;
        }
        String name = HostText.hostname(host);
        if (name == null) {
            throw Check.bad(field, shown, "is not an IPv4 address, [IPv6] address or RFC 1123 host name");
        }
        return name;
    }
}
