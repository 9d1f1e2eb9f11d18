package org.brickd.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;
import org.brickd.stale.Finding;
import org.brickd.stale.StaleCleaner;
import org.brickd.stale.StaleService;
import org.brickd.types.VolumeId;
import org.brickd.types.Wwid;

/**
 * find_stale {"include_unowned"?} → {"findings": [...]};
 * cleanup_stale {"dry_run"?, "include_unowned"?} → {"dry_run", "findings", "actions", "clean"}.
 */
public final class StaleMethods {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private final StaleService stale;

    public StaleMethods(StaleService stale) {
        this.stale = stale;
    }

    public JsonNode findStale(JsonNode params) {
        ObjectNode out = JSON.objectNode();
        out.set("findings", findings(stale.find(flag(params, "include_unowned"))));
        return out;
    }

    public JsonNode cleanupStale(JsonNode params) {
        StaleService.Cleanup c = stale.cleanup(flag(params, "dry_run"), flag(params, "include_unowned"));
        ObjectNode out = JSON.objectNode();
        out.put("dry_run", c.dryRun());
        out.set("findings", findings(c.plan()));
        ArrayNode actions = out.putArray("actions");
        for (StaleCleaner.Outcome o : c.outcomes()) {
            ObjectNode a = finding(o.finding());
            a.put("ok", o.ok());
            a.put("result", o.result());
            actions.add(a);
        }
        out.put("clean", c.clean());
        return out;
    }

    static ArrayNode findings(List<Finding> fs) {
        ArrayNode a = JSON.arrayNode();
        fs.forEach(f -> a.add(finding(f)));
        return a;
    }

    static ObjectNode finding(Finding f) {
        ObjectNode o = JSON.objectNode();
        o.put("class", f.kind().wire());
        o.put("device", f.device().orElse(null));
        o.put("hctl", f.hctl().orElse(null));
        o.put("map", f.map().orElse(null));
        o.put("volume_id", f.volumeId().map(VolumeId::toString).orElse(null));
        o.put("wwid_recorded", wwid(f.wwidRecorded()));
        o.put("wwid_now", wwid(f.wwidNow()));
        o.put("action", f.action().wire());
        o.put("reason", f.reason());
        return o;
    }

    private static String wwid(Optional<Wwid> w) {
        return w.map(Wwid::udev).orElse(null);
    }

    private static boolean flag(JsonNode params, String key) {
        return ConnectionInfoJson.bool(params, key, key).orElse(false);
    }
}
