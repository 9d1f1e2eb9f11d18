package org.brickd.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.brickd.connector.ConnectionInfo;
import org.brickd.connector.FcConnection;
import org.brickd.connector.IscsiConnection;
import org.brickd.connector.IscsiConnection.IscsiPath;
import org.brickd.errors.InvalidInputException;
import org.brickd.iscsi.Chap;
import org.brickd.libvirt.DevicePath;
import org.brickd.types.Iqn;
import org.brickd.types.Lun;
import org.brickd.types.Portal;
import org.brickd.types.VolumeId;
import org.brickd.types.Wwid;
import org.brickd.types.Wwpn;

/**
 * Maps cinder's connection_info, exactly as nova stores it, onto {@link ConnectionInfo}.
 * Unknown keys are ignored (drivers add their own); a known key with a bad value is
 * refused with an error naming it, before anything touches the host.
 */
public final class ConnectionInfoJson {

    private ConnectionInfoJson() {}

    /** A connection_info the ledger recorded (secrets masked), read back. */
    public static ConnectionInfo parseRecorded(String json) {
        try {
            return parse(RecordReader.INSTANCE.readTree(json));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new InvalidInputException("recorded connection", null, "is not JSON: " + InvalidInputException.printable(e.getOriginalMessage()));
        }
    }

    /** Made on first use: this class's field readers serve callers that never parse a record (brickctl's start). */
    private static final class RecordReader {
        static final com.fasterxml.jackson.databind.ObjectMapper INSTANCE = new com.fasterxml.jackson.databind.ObjectMapper();

        private RecordReader() {}
    }

    public static ConnectionInfo parse(JsonNode ci) {
        if (ci == null || !ci.isObject()) {
            throw new InvalidInputException("connection_info", kind(ci), "must be an object");
        }
        String type = text(ci, "driver_volume_type", "connection_info.driver_volume_type")
                .orElseThrow(() -> missing("connection_info.driver_volume_type"));
        JsonNode data = ci.get("data");
        if (data == null || !data.isObject()) {
            throw new InvalidInputException("connection_info.data", kind(data), "must be an object");
        }
        VolumeId volumeId = volumeId(ci, data);
        Optional<Wwid> wwn = expectedWwid(data);
        boolean readOnly = accessMode(data);
        boolean encrypted = bool(data, "encrypted", "data.encrypted").orElse(false);
        // nova writes connect_volume's path here and sends it back at detach: brickd does not use it, but a
        // value outside /dev is a wrong or hostile caller
        text(data, "device_path", "data.device_path").ifPresent(p -> DevicePath.parse("data.device_path", p));
        return switch (type.toLowerCase(java.util.Locale.ROOT)) {
            case "iscsi" -> new IscsiConnection(volumeId, iscsiPaths(data), chap(data, "auth_", "data."),
                    chap(data, "discovery_auth_", "data."), wwn, readOnly, encrypted,
                    textList(data, "target_portals").isEmpty());
            case "fibre_channel" -> new FcConnection(volumeId, fcTargets(data), initiatorTargetMap(data),
                    wwn, readOnly, encrypted);
            default -> throw new InvalidInputException("connection_info.driver_volume_type", type,
                    "brickd handles \"iscsi\" and \"fibre_channel\"");
        };
    }

    private static VolumeId volumeId(JsonNode ci, JsonNode data) {
        Optional<VolumeId> serial = text(ci, "serial", "connection_info.serial").map(s -> VolumeId.parse("connection_info.serial", s));
        Optional<VolumeId> inData = text(data, "volume_id", "data.volume_id").map(s -> VolumeId.parse("data.volume_id", s));
        if (serial.isPresent() && inData.isPresent() && !serial.equals(inData)) {
            throw new InvalidInputException("data.volume_id", inData.get().toString(),
                    "differs from connection_info.serial " + serial.get());
        }
        return serial.or(() -> inData).orElseThrow(() -> missing("connection_info.serial (or data.volume_id)"));
    }

    private static List<IscsiPath> iscsiPaths(JsonNode data) {
        Lun.Addressing mode = text(data, "addressing_mode", "data.addressing_mode")
                .map(m -> Lun.Addressing.parse("data.addressing_mode", m)).orElse(null);
        List<IscsiPath> paths = new ArrayList<>();
        Optional<String> portal = text(data, "target_portal", "data.target_portal");
        Optional<String> iqn = text(data, "target_iqn", "data.target_iqn");
        if (portal.isPresent() || iqn.isPresent()) {
            paths.add(new IscsiPath(Portal.parse("data.target_portal", portal.orElseThrow(() -> missing("data.target_portal"))),
                    Iqn.parse("data.target_iqn", iqn.orElseThrow(() -> missing("data.target_iqn"))),
                    lun(data.get("target_lun"), "data.target_lun", mode)));
        }
        List<String> portals = textList(data, "target_portals");
        List<String> iqns = textList(data, "target_iqns");
        if (!portals.isEmpty() || !iqns.isEmpty()) {
            if (portals.size() != iqns.size()) {
                throw new InvalidInputException("data.target_iqns", iqns.size() + " entries",
                        "must have one entry per data.target_portals entry (" + portals.size() + ")");
            }
            JsonNode luns = data.get("target_luns");
            if (luns != null && !luns.isNull() && (!luns.isArray() || luns.size() != portals.size())) {
                throw new InvalidInputException("data.target_luns", kind(luns),
                        "must be a list with one LUN per data.target_portals entry (" + portals.size() + ")");
            }
            for (int i = 0; i < portals.size(); i++) {
                JsonNode l = luns != null && !luns.isNull() ? luns.get(i) : data.get("target_lun");
                String field = luns != null && !luns.isNull() ? "data.target_luns[" + i + "]" : "data.target_lun";
                IscsiPath p = new IscsiPath(Portal.parse("data.target_portals[" + i + "]", portals.get(i)),
                        Iqn.parse("data.target_iqns[" + i + "]", iqns.get(i)), lun(l, field, mode));
                if (!paths.contains(p)) {
                    paths.add(p);
                }
            }
        }
        if (paths.isEmpty()) {
            throw missing("data.target_portal/target_iqn/target_lun (or data.target_portals/target_iqns/target_luns)");
        }
        return paths;
    }

    private static Optional<Chap> chap(JsonNode data, String prefix, String where) {
        Optional<String> method = text(data, prefix + "method", where + prefix + "method");
        if (method.isEmpty() || method.get().equalsIgnoreCase("none")) {
            return Optional.empty();
        }
        if (!method.get().equalsIgnoreCase("CHAP")) {
            throw new InvalidInputException(where + prefix + "method", method.get(), "brickd supports CHAP only");
        }
        String user = text(data, prefix + "username", where + prefix + "username")
                .orElseThrow(() -> missing(where + prefix + "username"));
        String pass = secret(data, prefix + "password", where + prefix + "password")
                .orElseThrow(() -> missing(where + prefix + "password"));
        return Optional.of(Chap.of(where + prefix, user, pass,
                text(data, prefix + "username_in", where + prefix + "username_in"),
                secret(data, prefix + "password_in", where + prefix + "password_in")));
    }

    /** As {@link #text}, but a value of the wrong type is not shown: it is a secret. */
    private static Optional<String> secret(JsonNode obj, String key, String field) {
        JsonNode n = obj.get(key);
        if (n != null && !n.isNull() && !n.isTextual()) {
            throw new InvalidInputException(field, "(hidden)", "must be a string");
        }
        return text(obj, key, field);
    }

    private static List<FcConnection.FcTarget> fcTargets(JsonNode data) {
        JsonNode wwns = data.get("target_wwn");
        List<String> names = new ArrayList<>();
        if (wwns == null || wwns.isNull()) {
            throw missing("data.target_wwn");
        } else if (wwns.isTextual()) {
            names.add(wwns.asText());
        } else if (wwns.isArray()) {
            for (JsonNode n : wwns) {
                if (!n.isTextual()) {
                    throw new InvalidInputException("data.target_wwn", kind(n), "entries must be strings");
                }
                names.add(n.asText());
            }
        } else {
            throw new InvalidInputException("data.target_wwn", kind(wwns), "must be a string or a list of strings");
        }
        if (names.isEmpty()) {
            throw new InvalidInputException("data.target_wwn", "[]", "must name at least one target port");
        }
        Lun.Addressing mode = text(data, "addressing_mode", "data.addressing_mode")
                .map(m -> Lun.Addressing.parse("data.addressing_mode", m)).orElse(null);
        JsonNode luns = data.get("target_luns");
        if (luns != null && !luns.isNull() && !luns.isArray()) {
            throw new InvalidInputException("data.target_luns", kind(luns),
                    "must be a list with one LUN per data.target_wwn entry");
        }
        List<FcConnection.FcTarget> out = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            boolean perTarget = luns != null && luns.isArray();
            if (perTarget && luns.size() != names.size()) {
                throw new InvalidInputException("data.target_luns", luns.size() + " entries",
                        "must have one LUN per data.target_wwn entry (" + names.size() + ")");
            }
            Lun lun = perTarget ? lun(luns.get(i), "data.target_luns[" + i + "]", mode)
                    : lun(data.get("target_lun"), "data.target_lun", mode);
            out.add(new FcConnection.FcTarget(Wwpn.parse("data.target_wwn[" + i + "]", names.get(i)), lun));
        }
        return out;
    }

    private static Map<Wwpn, List<Wwpn>> initiatorTargetMap(JsonNode data) {
        JsonNode m = data.get("initiator_target_map");
        Map<Wwpn, List<Wwpn>> out = new LinkedHashMap<>();
        if (m == null || m.isNull()) {
            return out;
        }
        if (!m.isObject()) {
            throw new InvalidInputException("data.initiator_target_map", kind(m), "must be an object");
        }
        var it = m.fields();
        while (it.hasNext()) {
            var e = it.next();
            Wwpn initiator = Wwpn.parse("data.initiator_target_map key", e.getKey());
            List<Wwpn> targets = new ArrayList<>();
            if (!e.getValue().isArray()) {
                throw new InvalidInputException("data.initiator_target_map." + e.getKey(), kind(e.getValue()), "must be a list");
            }
            for (JsonNode t : e.getValue()) {
                targets.add(Wwpn.parse("data.initiator_target_map." + e.getKey(), t.asText()));
            }
            out.put(initiator, targets);
        }
        return out;
    }

    private static Lun lun(JsonNode n, String field, Lun.Addressing mode) {
        if (n == null || n.isNull()) {
            throw missing(field);
        }
        long v;
        if (n.isIntegralNumber()) {
            v = n.asLong();
        } else if (n.isTextual()) {
            v = Lun.parse(field, n.asText()).value();
        } else {
            throw new InvalidInputException(field, kind(n), "must be an integer");
        }
        return mode == null ? Lun.of(field, v) : Lun.fromAddressing(field, v, mode.wire());
    }

    private static Optional<Wwid> expectedWwid(JsonNode data) {
        for (String key : List.of("scsi_wwn", "wwn")) {
            Optional<String> v = text(data, key, "data." + key);
            if (v.isPresent() && !v.get().isEmpty()) {
                return Optional.of(Wwid.parse("data." + key, v.get()));
            }
        }
        return Optional.empty();
    }

    private static boolean accessMode(JsonNode data) {
        Optional<String> mode = text(data, "access_mode", "data.access_mode");
        if (mode.isEmpty()) {
            return false;
        }
        return switch (mode.get()) {
            case "rw" -> false;
            case "ro" -> true;
            default -> throw new InvalidInputException("data.access_mode", mode.get(), "must be \"rw\" or \"ro\"");
        };
    }

    static Optional<String> text(JsonNode obj, String key, String field) {
        JsonNode n = obj.get(key);
        if (n == null || n.isNull()) {
            return Optional.empty();
        }
        if (!n.isTextual()) {
            throw new InvalidInputException(field, kind(n), "must be a string");
        }
        return Optional.of(n.asText());
    }

    static Optional<Boolean> bool(JsonNode obj, String key, String field) {
        JsonNode n = obj.get(key);
        if (n == null || n.isNull()) {
            return Optional.empty();
        }
        if (!n.isBoolean()) {
            throw new InvalidInputException(field, kind(n), "must be true or false");
        }
        return Optional.of(n.asBoolean());
    }

    private static List<String> textList(JsonNode data, String key) {
        JsonNode n = data.get(key);
        if (n == null || n.isNull()) {
            return List.of();
        }
        if (!n.isArray()) {
            throw new InvalidInputException("data." + key, kind(n), "must be a list of strings");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n.size(); i++) {
            if (!n.get(i).isTextual()) {
                throw new InvalidInputException("data." + key + "[" + i + "]", kind(n.get(i)), "must be a string");
            }
            out.add(n.get(i).asText());
        }
        return out;
    }

    static String kind(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) {
            return null;
        }
        if (n.isValueNode()) {
            return n.asText();
        }
        return n.isArray() ? "(a list)" : "(an object)";
    }

    private static InvalidInputException missing(String field) {
        return new InvalidInputException(field, null, "is required");
    }
}
