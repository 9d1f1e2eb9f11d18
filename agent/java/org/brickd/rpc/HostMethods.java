package org.brickd.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.brickd.errors.BrickException;
import org.brickd.fc.FcHosts;
import org.brickd.iscsi.IscsiSession;
import org.brickd.iscsi.IscsiSessions;
import org.brickd.ledger.Attachment;
import org.brickd.ledger.Ledger;
import org.brickd.multipath.DmMap;
import org.brickd.multipath.PathState;
import org.brickd.scsi.ScsiDevices;
import org.brickd.scsi.ScsiDisk;
import org.brickd.service.Recovery;
import org.brickd.types.BlockDevice;
import org.brickd.types.Wwid;

/**
 * inventory: what the host has (initiator, HBAs, sessions, SCSI disks with size, holders and
 * owner, dm-multipath maps with their paths' states) and what the ledger says brickd attached.
 * Read-only; reads sysfs and asks multipathd, never the devices themselves (the stale class
 * of a device needs a live read: find_stale).
 */
public final class HostMethods {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final ScsiDevices scsi;
    private final IscsiSessions sessions;
    private final FcHosts fcHosts;
    private final Ledger ledger;
    private final Supplier<List<Recovery.Resolution>> recovered;
    private final Maps maps;
    private final Supplier<Optional<String>> initiator;

    /** The dm maps and, when multipathd runs, its view of their paths. */
    public record Maps(Supplier<List<DmMap>> all, Supplier<List<PathState>> pathStates) {
        public static final Maps NONE = new Maps(List::of, List::of);
    }

    public HostMethods(ScsiDevices scsi, IscsiSessions sessions, FcHosts fcHosts, Ledger ledger) {
        this(scsi, sessions, fcHosts, ledger, List::of, Maps.NONE, Optional::empty);
    }

    public HostMethods(ScsiDevices scsi, IscsiSessions sessions, FcHosts fcHosts, Ledger ledger,
            Supplier<List<Recovery.Resolution>> recovered, Maps maps, Supplier<Optional<String>> initiator) {
        this.recovered = recovered;
        this.maps = maps;
        this.initiator = initiator;
        this.scsi = scsi;
        this.sessions = sessions;
        this.fcHosts = fcHosts;
        this.ledger = ledger;
    }

    public JsonNode inventory(JsonNode params) {
        ObjectNode out = JSON.objectNode();
        out.put("initiator", initiator.get().orElse(null));
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
            o.put("size_bytes", d.block().flatMap(scsi::sizeBytes).orElse(null));
            o.put("wwid_sysfs", d.sysfsWwid().map(w -> w.udev()).orElse(null));
            ArrayNode holders = o.putArray("holders");
            d.holders().forEach(h -> holders.add(h.name()));
            o.put("owner", owner.getOrDefault(d.hctl().toString(), null));
        }
        out.set("multipath_maps", maps());
        out.set("attachments", VolumeMethods.attachmentsJson(ledger.allAttachments()));
        ArrayNode rec = out.putArray("recovery");
        for (Recovery.Resolution r : recovered.get()) {
            rec.addObject().put("volume_id", r.volumeId()).put("op", r.op()).put("ok", r.ok()).put("outcome", r.outcome());
        }
        return out;
    }

    /** Each map with its paths; a path's state is multipathd's (dm state, checker) or, without it, the SCSI state. */
    private ArrayNode maps() {
        ArrayNode out = JSON.arrayNode();
        List<DmMap> all = maps.all().get();
        if (all.isEmpty()) {
            return out;
        }
        Map<BlockDevice, PathState> states = new HashMap<>();
        String unknown = null;
        try {
            maps.pathStates().get().forEach(p -> states.put(p.device(), p));
        } catch (BrickException e) {
            unknown = "multipathd: " + e.getMessage();
        }
        for (DmMap m : all) {
            ObjectNode o = out.addObject();
            o.put("name", m.name());
            o.put("device", m.device().name());
            o.put("wwid", m.wwid().map(Wwid::udev).orElse(null));
            o.put("open_count", m.openCount().isPresent() ? m.openCount().getAsInt() : null);
            ArrayNode paths = o.putArray("paths");
            for (BlockDevice slave : m.slaves()) {
                ObjectNode p = paths.addObject().put("device", slave.name());
                PathState st = states.get(slave);
                if (st != null) {
                    p.put("dm_state", st.dm().name().toLowerCase(Locale.ROOT));
                    p.put("checker", st.checker().name().toLowerCase(Locale.ROOT));
                } else {
                    p.put("scsi_state", scsi.hctlOf(slave).flatMap(scsi::read).map(ScsiDisk::state).orElse("gone"));
                }
            }
            if (unknown != null) {
                o.put("paths_note", unknown);
            }
        }
        return out;
    }
}
