package org.brickd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** Plain-text tables for an operator's terminal. */
final class Tables {

    private Tables() {}

    static void inventory(PrintWriter out, JsonNode inv) {
        out.println("INITIATOR  " + text(inv.path("initiator")));
        out.println();
        out.println("FC HOSTS");
        table(out, List.of("HOST", "WWPN", "WWNN", "STATE"), rows(inv.path("fc_hosts"), "host", "wwpn", "wwnn", "state"));
        out.println();
        out.println("ISCSI SESSIONS");
        table(out, List.of("SID", "HOST", "PORTAL", "TARGET", "STATE"),
                rows(inv.path("iscsi_sessions"), "sid", "host", "portal", "target", "state"));
        out.println();
        out.println("SCSI DEVICES");
        List<List<String>> devices = new ArrayList<>();
        for (JsonNode d : inv.path("scsi_devices")) {
            devices.add(List.of(text(d.path("hctl")), text(d.path("device")), text(d.path("state")),
                    size(d.path("size_bytes")), text(d.path("vendor")), text(d.path("model")), text(d.path("wwid_sysfs")),
                    joined(d.path("holders")), text(d.path("owner")), text(d.path("class"))));
        }
        table(out, List.of("HCTL", "DEVICE", "STATE", "SIZE", "VENDOR", "MODEL", "WWID (sysfs)", "HOLDERS", "OWNER",
                "CLASS"), devices);
        out.println();
        out.println("MULTIPATH MAPS");
        List<List<String>> maps = new ArrayList<>();
        for (JsonNode m : inv.path("multipath_maps")) {
            List<String> paths = new ArrayList<>();
            for (JsonNode p : m.path("paths")) {
                paths.add(text(p.path("device")) + ":" + (p.has("dm_state")
                        ? text(p.path("dm_state")) + "/" + text(p.path("checker")) : text(p.path("scsi_state"))));
            }
            maps.add(List.of(text(m.path("name")), text(m.path("device")), text(m.path("wwid")), text(m.path("open_count")),
                    paths.isEmpty() ? "-" : String.join(",", paths)));
        }
        table(out, List.of("NAME", "DEVICE", "WWID", "OPEN", "PATHS (dm state/checker, or SCSI state)"), maps);
        out.println();
        out.println("ATTACHMENTS");
        attachments(out, inv.path("attachments"));
    }

    static void attachments(PrintWriter out, JsonNode list) {
        table(out, List.of("VOLUME", "INSTANCE", "PROTO", "WWID", "PATH", "STATE"),
                rows(list, "volume_id", "instance_uuid", "protocol", "wwid", "path", "state"));
    }

    /** A cell: the value, or "-" for none (cells never hold spaces, so columns split on them). */
    private static String text(JsonNode v) {
        return v == null || v.isNull() || v.isMissingNode() || v.asText().isEmpty() ? "-" : v.asText().replace(' ', '_');
    }

    private static String joined(JsonNode array) {
        List<String> names = new ArrayList<>();
        array.forEach(n -> names.add(n.asText()));
        return names.isEmpty() ? "-" : String.join(",", names);
    }

    /** Bytes as lsblk prints them: 64M, 1.5G. */
    static String size(JsonNode bytes) {
        if (!bytes.canConvertToLong()) {
            return "-";
        }
        double v = bytes.asLong();
        String[] units = {"B", "K", "M", "G", "T", "P"};
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return (v == Math.floor(v) ? Long.toString((long) v) : String.format(java.util.Locale.ROOT, "%.1f", v)) + units[u];
    }

    static List<List<String>> rows(JsonNode array, String... keys) {
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode n : array) {
            List<String> r = new ArrayList<>();
            for (String k : keys) {
                JsonNode v = n.get(k);
                r.add(v == null || v.isNull() || v.asText().isEmpty() ? "-" : v.asText());
            }
            rows.add(r);
        }
        return rows;
    }

    static void table(PrintWriter out, List<String> header, List<List<String>> rows) {
        if (rows.isEmpty()) {
            out.println("  (none)");
            return;
        }
        int[] w = new int[header.size()];
        for (int i = 0; i < w.length; i++) {
            w[i] = header.get(i).length();
            for (List<String> r : rows) {
                w[i] = Math.max(w[i], r.get(i).length());
            }
        }
        line(out, header, w);
        for (List<String> r : rows) {
            line(out, r, w);
        }
    }

    private static void line(PrintWriter out, List<String> cells, int[] w) {
        StringBuilder b = new StringBuilder("  ");
        for (int i = 0; i < cells.size(); i++) {
            b.append(String.format("%-" + w[i] + "s", cells.get(i)));
            if (i < cells.size() - 1) {
                b.append("  ");
            }
        }
        out.println(b.toString().stripTrailing());
    }
}
