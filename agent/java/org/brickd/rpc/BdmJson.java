package org.brickd.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.brickd.errors.InvalidInputException;
import org.brickd.libvirt.Bdm;
import org.brickd.libvirt.DevicePath;
import org.brickd.types.VolumeId;

/**
 * The "bdms" parameter: {@code [{"volume_id", "device_name", "attachment_id", "multiattach",
 * "connection_info": {..., "serial", "data": {"device_path", "volume_id"}}}]} → {@link Bdm}s.
 * Every error names the field, e.g. {@code bdms[1].connection_info.data.device_path}.
 */
public final class BdmJson {

    private static final Pattern DEVICE_NAME = Pattern.compile("(/dev/)?[a-z]{2,4}[a-z]{1,3}");

    private BdmJson() {}

    public static List<Bdm> parse(JsonNode bdms) {
        if (bdms == null || bdms.isNull()) {
            throw new InvalidInputException("bdms", null, "is required (a list, possibly empty)");
        }
        if (!bdms.isArray()) {
            throw new InvalidInputException("bdms", ConnectionInfoJson.kind(bdms), "must be a list of BDM objects");
        }
        List<Bdm> out = new ArrayList<>();
        Set<VolumeId> seen = new HashSet<>();
        for (int i = 0; i < bdms.size(); i++) {
            Bdm b = one(bdms.get(i), "bdms[" + i + "]");
            if (!seen.add(b.volumeId())) {
                throw new InvalidInputException("bdms[" + i + "].volume_id", b.volumeId(), "appears twice");
            }
            out.add(b);
        }
        return out;
    }

    private static Bdm one(JsonNode n, String f) {
        if (!n.isObject()) {
            throw new InvalidInputException(f, ConnectionInfoJson.kind(n), "must be an object");
        }
        VolumeId vol = VolumeId.parse(f + ".volume_id", ConnectionInfoJson.text(n, "volume_id", f + ".volume_id")
                .orElseThrow(() -> new InvalidInputException(f + ".volume_id", null, "is required")));
        Optional<String> deviceName = ConnectionInfoJson.text(n, "device_name", f + ".device_name");
        deviceName.ifPresent(d -> {
            if (!DEVICE_NAME.matcher(d).matches()) {
                throw new InvalidInputException(f + ".device_name", d, "is not a guest disk name like /dev/vdb");
            }
        });
        Optional<String> attachment = ConnectionInfoJson.text(n, "attachment_id", f + ".attachment_id")
                .map(a -> VolumeId.parse(f + ".attachment_id", a).toString());
        boolean multiattach = ConnectionInfoJson.bool(n, "multiattach", f + ".multiattach").orElse(false);
        JsonNode ci = n.get("connection_info");
        if (ci == null || !ci.isObject()) {
            throw new InvalidInputException(f + ".connection_info", ConnectionInfoJson.kind(ci), "must be an object");
        }
        String c = f + ".connection_info";
        ConnectionInfoJson.text(ci, "serial", c + ".serial").ifPresent(s -> {
            if (!VolumeId.parse(c + ".serial", s).equals(vol)) {
                throw new InvalidInputException(c + ".serial", s, "differs from volume_id " + vol
                        + " (nova sets both to the same volume)");
            }
        });
        String type = ConnectionInfoJson.text(ci, "driver_volume_type", c + ".driver_volume_type").orElse("");
        JsonNode data = ci.get("data");
        if (data == null || !data.isObject()) {
            throw new InvalidInputException(c + ".data", ConnectionInfoJson.kind(data), "must be an object");
        }
        DevicePath path = DevicePath.parse(c + ".data.device_path",
                ConnectionInfoJson.text(data, "device_path", c + ".data.device_path").orElse(null));
        Optional<VolumeId> dataVol = ConnectionInfoJson.text(data, "volume_id", c + ".data.volume_id")
                .map(v -> VolumeId.parse(c + ".data.volume_id", v));
        return new Bdm(vol, deviceName, attachment, multiattach, type, path, dataVol);
    }
}
