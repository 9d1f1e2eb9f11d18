package org.brickd.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;
import org.brickd.connector.ConnectionInfo;
import org.brickd.errors.BrickException;
import org.brickd.errors.InvalidInputException;
import org.brickd.libvirt.DevicePath;
import org.brickd.fc.FcHosts;
import org.brickd.host.HostInfo;
import org.brickd.ledger.Attachment;
import org.brickd.service.ConnectRequest;
import org.brickd.service.ConnectResult;
import org.brickd.service.DisconnectResult;
import org.brickd.service.VolumeService;
import org.brickd.types.InstanceId;
import org.brickd.types.VolumeId;

/**
 * The volume methods' JSON shapes (the contract, see README), mapped onto
 * {@link VolumeService}. The daemon serves these over its socket; brickctl's offline
 * mode calls them in-process, so both answer the same JSON.
 */
public final class VolumeMethods {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final VolumeService volumes;
    private final HostInfo hostInfo;
    private final FcHosts fcHosts;

    public VolumeMethods(VolumeService volumes, HostInfo hostInfo, FcHosts fcHosts) {
        this.volumes = volumes;
        this.hostInfo = hostInfo;
        this.fcHosts = fcHosts;
    }

    /** {"connection_info", "instance_uuid"?, "use_multipath"?, "enforce_multipath"?} → {"type","path","scsi_wwn","multipath_id"?} */
    public JsonNode connectVolume(JsonNode params) {
        JsonNode ci = required(params, "connection_info");
        ConnectionInfo info = ConnectionInfoJson.parse(ci);
        ConnectResult r = volumes.connect(new ConnectRequest(info, Redaction.redact(ci).toString(),
                instance(params), flag(params, "use_multipath"), flag(params, "enforce_multipath")));
        ObjectNode out = JSON.objectNode();
        out.put("type", "block");
        out.put("path", r.path());
        out.put("scsi_wwn", r.wwid().udev());
        r.multipathId().ifPresent(m -> out.put("multipath_id", m));
        if (!r.failedPaths().isEmpty()) {
            out.set("failed_paths", strings(r.failedPaths()));
        }
        return out;
    }

    /** {"connection_info", "device_info": obj|null, "force"?, "ignore_errors"?, "instance_uuid"?} → what was removed */
    public JsonNode disconnectVolume(JsonNode params) {
        ConnectionInfo info = ConnectionInfoJson.parse(required(params, "connection_info"));
        JsonNode deviceInfo = params.get("device_info");
        if (deviceInfo != null && !deviceInfo.isNull() && !deviceInfo.isObject()) {
            throw new InvalidInputException("device_info", ConnectionInfoJson.kind(deviceInfo), "must be an object or null");
        }
        if (deviceInfo != null && deviceInfo.isObject()) {
            // what was attached comes from the ledger; a path outside /dev is still refused, not ignored
            ConnectionInfoJson.text(deviceInfo, "path", "device_info.path")
                    .ifPresent(p -> DevicePath.parse("device_info.path", p));
        }
        try {
            return disconnectJson(volumes.disconnect(info, instance(params), flag(params, "force"),
                    flag(params, "ignore_errors")));
        } catch (VolumeService.LeftoversException e) {
            throw new Leftovers(e);
        }
    }

    /**
     * {"volume_id", "dry_run"?} → {"volume_id", "dry_run", "plan": [...]} and, unless a dry run,
     * what disconnect_volume answers: the forced disconnect of the connection the ledger
     * recorded for the volume (brickctl cleanup --volume). NOT_FOUND when the ledger has none.
     */
    public JsonNode cleanupVolume(JsonNode params) {
        String raw = ConnectionInfoJson.text(params, VolumeId.FIELD, VolumeId.FIELD)
                .orElseThrow(() -> new InvalidInputException(VolumeId.FIELD, null, "is required"));
        VolumeId vol = VolumeId.parse(VolumeId.FIELD, raw);
        ConnectionInfo info = ConnectionInfoJson.parseRecorded(volumes.recorded(vol).get(0).connection());
        boolean dryRun = flag(params, "dry_run");
        ObjectNode out = JSON.objectNode();
        out.put("volume_id", vol.toString());
        out.put("dry_run", dryRun);
        out.set("plan", strings(volumes.forcedDisconnectPlan(info)));
        if (!dryRun) {
            out.setAll(disconnectJson(volumes.disconnect(info, Optional.empty(), true, true)));
        }
        return out;
    }

    public static ObjectNode disconnectJson(DisconnectResult r) {
        ObjectNode out = JSON.objectNode();
        out.put("clean", r.clean());
        out.set("removed", strings(r.removed()));
        out.set("leftovers", strings(r.leftovers()));
        out.set("errors", strings(r.errors()));
        out.put("already_gone", r.alreadyGone());
        if (!r.stillUsedBy().isEmpty()) {
            out.set("still_used_by", strings(r.stillUsedBy()));
        }
        if (r.fenced()) {
            out.put("fenced", true);
        }
        return out;
    }

    /** A disconnect that left something: the error's data is the same object a success answers. */
    static final class Leftovers extends BrickException implements HasErrorData {
        private final transient JsonNode data;

        Leftovers(VolumeService.LeftoversException e) {
            super(e.code(), e.getMessage(), e);
            this.data = disconnectJson(e.result());
        }

        @Override
        public JsonNode errorData() {
            return data;
        }
    }

    /** {"connection_info"} → {"new_size": bytes} */
    public JsonNode extendVolume(JsonNode params) {
        long size = volumes.extend(ConnectionInfoJson.parse(required(params, "connection_info")));
        return JSON.objectNode().put("new_size", size);
    }

    /** {"connection_info"} → {"paths": [...]} */
    public JsonNode getVolumePaths(JsonNode params) {
        List<String> paths = volumes.volumePaths(ConnectionInfoJson.parse(required(params, "connection_info")));
        return JSON.objectNode().set("paths", strings(paths));
    }

    /** {"multipath"?, "enforce_multipath"?} → os-brick's connector properties */
    public JsonNode getConnectorProperties(JsonNode params) {
        ObjectNode out = JSON.objectNode();
        out.put("platform", System.getProperty("os.arch").equals("amd64") ? "x86_64" : System.getProperty("os.arch"));
        out.put("os_type", "linux");
        out.put("ip", hostInfo.primaryIp());
        out.put("host", hostInfo.hostname());
        out.put("multipath", flag(params, "multipath"));
        out.put("enforce_multipath", flag(params, "enforce_multipath"));
        initiator().ifPresent(i -> out.put("initiator", i));
        List<FcHosts.FcHost> hbas = fcHosts.online();
        if (!hbas.isEmpty()) {
            out.set("wwpns", strings(hbas.stream().map(h -> h.portName().hex()).toList()));
            out.set("wwnns", strings(hbas.stream().map(h -> h.nodeName().hex()).toList()));
        }
        return out;
    }

    /** {} → {"attachments": [...]} */
    public JsonNode listAttachments(JsonNode params) {
        return JSON.objectNode().set("attachments", attachmentsJson(volumes.attachments()));
    }

    public static ArrayNode attachmentsJson(List<Attachment> attachments) {
        ArrayNode list = JSON.arrayNode();
        for (Attachment a : attachments) {
            ObjectNode o = list.addObject();
            o.put("volume_id", a.volumeId().toString());
            o.put("instance_uuid", a.instance());
            o.put("protocol", a.protocol());
            o.put("wwid", a.wwid().udev());
            o.put("path", a.path());
            a.map().ifPresent(m -> o.put("map", m));
            o.set("devices", strings(a.devices()));
            o.put("multiattach", a.multiattach());
            o.put("state", a.state());
            o.put("attached_at", a.attachedAt().toString());
        }
        return list;
    }

    /** This host's iSCSI initiator name, from /etc/iscsi/initiatorname.iscsi. */
    public Optional<String> initiator() {
        return hostInfo.etcFile("iscsi/initiatorname.iscsi").flatMap(VolumeMethods::initiatorName);
    }

    static Optional<String> initiatorName(String file) {
        return file.lines().map(String::strip).filter(l -> l.startsWith("InitiatorName="))
                .map(l -> l.substring("InitiatorName=".length()).strip()).findFirst();
    }

    private static JsonNode required(JsonNode params, String key) {
        JsonNode n = params.get(key);
        if (n == null || n.isNull()) {
            throw new InvalidInputException(key, null, "is required");
        }
        return n;
    }

    private static Optional<InstanceId> instance(JsonNode params) {
        return ConnectionInfoJson.text(params, "instance_uuid", "instance_uuid").map(s -> InstanceId.parse("instance_uuid", s));
    }

    private static boolean flag(JsonNode params, String key) {
        return ConnectionInfoJson.bool(params, key, key).orElse(false);
    }

    private static ArrayNode strings(List<String> items) {
        ArrayNode a = JSON.arrayNode();
        items.forEach(a::add);
        return a;
    }
}
