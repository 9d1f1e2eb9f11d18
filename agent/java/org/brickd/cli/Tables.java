package org.brickd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** Plain-text tables for an operator's terminal. */
final class Tables {

    private Tables() {}

    static void inventory(PrintWriter out, JsonNode inv) {
        out.println("FC HOSTS");
        table(out, List.of("HOST", "WWPN", "WWNN", "STATE"), rows(inv.path("fc_hosts"), "host", "wwpn", "wwnn", "state"));
        out.println();
        out.println("ISCSI SESSIONS");
        table(out, List.of("SID", "HOST", "PORTAL", "TARGET", "STATE"),
                rows(inv.path("iscsi_sessions"), "sid", "host", "portal", "target", "state"));
        out.println();
        out.println("SCSI DEVICES");
        table(out, List.of("HCTL", "DEVICE", "STATE", "VENDOR", "MODEL", "WWID (sysfs)", "OWNER"),
                rows(inv.path("scsi_devices"), "hctl", "device", "state", "vendor", "model", "wwid_sysfs", "owner"));
        out.println();
        out.println("ATTACHMENTS");
        attachments(out, inv.path("attachments"));
    }

    static void attachments(PrintWriter out, JsonNode list) {
        table(out, List.of("VOLUME", "INSTANCE", "PROTO", "WWID", "PATH", "STATE"),
                rows(list, "volume_id", "instance_uuid", "protocol", "wwid", "path", "state"));
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
