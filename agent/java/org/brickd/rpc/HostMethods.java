package org.brickd.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.brickd.fc.FcHosts;
import org.brickd.iscsi.IscsiSession;
import org.brickd.iscsi.IscsiSessions;
import org.brickd.ledger.Attachment;
import org.brickd.ledger.Ledger;
import org.brickd.scsi.ScsiDevices;
import org.brickd.scsi.ScsiDisk;
import org.brickd.service.Recovery;
import org.brickd.types.BlockDevice;

/**
 * inventory: what the host has (HBAs, sessions, SCSI disks with their owner) and what the
 * ledger says brickd attached. Read-only; reads sysfs, never the devices themselves.
 */
public final class HostMethods {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ScsiDevices scsi;
    private final IscsiSessions sessions;
    private final FcHosts fcHosts;
    private final Ledger ledger;
    private final Supplier<List<Recovery.Resolution>> recovered;

    public HostMethods(ScsiDevices scsi, IscsiSessions sessions, FcHosts fcHosts, Ledger ledger) {
        this(scsi, sessions, fcHosts, ledger, List::of);
    }

    public HostMethods(ScsiDevices scsi, IscsiSessions sessions, FcHosts fcHosts, Ledger ledger,
            Supplier<List<Recovery.Resolution>> recovered) {
        this.recovered = recovered;
        this.scsi = scsi;
        this.sessions = sessions;
        this.fcHosts = fcHosts;
        this.ledger = ledger;
    }

    public JsonNode inventory(JsonNode params) {
        ObjectNode out = JSON.createObjectNode();
        ArrayNode hbas = out.putArray("fc_hosts");
        for (FcHosts.FcHost h : fcHosts.all()) {
            hbas.addObject().put("host", h.host()).put("wwpn", h.portName().hex()).put("wwnn", h.nodeName().hex())
                    .put("state", h.portState());
        }
        ArrayNode ss = out.putArray("iscsi_sessions");
        for (IscsiSession s : sessions.all()) {
            ss.addObject().put("sid", s.sid()).put("host", s.host()).put("target", s.target().toString())
                    .put("portal", s.portal().toString()).put("state", s.state());
        }
        Map<String, String> owner = new HashMap<>();
        for (Attachment a : ledger.allAttachments()) {
            for (String d : a.devices()) {
                owner.merge(d.substring(0, d.indexOf('=')), a.volumeId().toString(), (x, y) -> x);
            }
        }
        ArrayNode devs = out.putArray("scsi_devices");
        for (ScsiDisk d : scsi.all()) {
            ObjectNode o = devs.addObject();
            o.put("hctl", d.hctl().toString());
            o.put("device", d.block().map(BlockDevice::name).orElse(null));
            o.put("state", d.state());
            o.put("vendor", d.vendor());
            o.put("model", d.model());
            o.put("wwid_sysfs", d.sysfsWwid().map(w -> w.udev()).orElse(null));
            ArrayNode holders = o.putArray("holders");
            d.holders().forEach(h -> holders.add(h.name()));
            o.put("owner", owner.getOrDefault(d.hctl().toString(), null));
        }
        out.set("attachments", VolumeMethods.attachmentsJson(ledger.allAttachments()));
        ArrayNode rec = out.putArray("recovery");
        for (Recovery.Resolution r : recovered.get()) {
            rec.addObject().put("volume_id", r.volumeId()).put("op", r.op()).put("ok", r.ok()).put("outcome", r.outcome());
        }
        return out;
    }
}
