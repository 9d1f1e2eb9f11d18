package org.brickd.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;
import org.brickd.errors.BrickException;
import org.brickd.errors.InvalidInputException;
import org.brickd.libvirt.Finding;
import org.brickd.libvirt.MigrationRewrite;
import org.brickd.libvirt.UnmatchedDisksException;
import org.brickd.service.DomainService;

/**
 * check_domain, repair_domain, migration_xml: the JSON shapes of issue 8 (docs/domain.md),
 * mapped onto {@link DomainService}. Each works with "xml" given and no libvirtd.
 */
public final class DomainMethods {

    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final int MAX_DOMAIN = 256;

    private final DomainService domains;

    public DomainMethods(DomainService domains) {
        this.domains = domains;
    }

    /** {"domain", "xml"?, "bdms"} → {"consistent", "findings": [{domain, target_dev, kind, expected, actual}]} */
    public JsonNode checkDomain(JsonNode params) {
        List<Finding> findings = domains.check(domain(params), xml(params), BdmJson.parse(params.get("bdms")));
        ObjectNode out = JSON.objectNode();
        out.put("consistent", findings.isEmpty());
        ArrayNode list = out.putArray("findings");
        for (Finding f : findings) {
            list.addObject().put("domain", f.domain()).put("target_dev", f.targetDev()).put("kind", f.kind())
                    .put("expected", f.expected()).put("actual", f.actual());
        }
        return out;
    }

    /** {"domain", "xml"?, "bdms", "dry_run"} → {"changes": [...], "diff"} */
    public JsonNode repairDomain(JsonNode params) {
        boolean dryRun = ConnectionInfoJson.bool(params, "dry_run", "dry_run").orElse(false);
        DomainService.Repair r;
        try {
            r = domains.repair(domain(params), xml(params), BdmJson.parse(params.get("bdms")), dryRun);
        } catch (UnmatchedDisksException e) {
            throw new Unmatched(e);
        }
        ObjectNode out = JSON.objectNode();
        ArrayNode list = out.putArray("changes");
        for (DomainService.Applied a : r.changes()) {
            ObjectNode o = list.addObject().put("scope", a.change().scope()).put("target_dev", a.change().targetDev())
                    .put("field", a.change().field()).put("from", a.change().from()).put("to", a.change().to())
                    .put("applied", a.applied());
            if (!a.change().converge().isEmpty()) {
                o.put("converge", a.change().converge());
            }
        }
        out.put("diff", r.diff());
        return out;
    }

    /** {"domain", "xml"?, "bdms": destination BDMs} → {"xml"}; unmatched volume disks → UNMATCHED_DISK with data */
    public JsonNode migrationXml(JsonNode params) {
        try {
            MigrationRewrite.Result r = domains.migrationXml(domain(params), xml(params), BdmJson.parse(params.get("bdms")));
            return JSON.objectNode().put("xml", r.xml());
        } catch (UnmatchedDisksException e) {
            throw new Unmatched(e);
        }
    }

    /** UNMATCHED_DISK with {"unmatched": [{target_dev, serial, source_path, reason}]} as the error's data. */
    static final class Unmatched extends BrickException implements HasErrorData {
        private final transient JsonNode data;

        Unmatched(UnmatchedDisksException e) {
            super(e.code(), e.getMessage(), e);
            ObjectNode d = JSON.objectNode();
            ArrayNode list = d.putArray("unmatched");
            for (UnmatchedDisksException.Unmatched u : e.disks()) {
                list.addObject().put("target_dev", u.targetDev()).put("serial", u.serial())
                        .put("source_path", u.sourcePath()).put("reason", u.reason());
            }
            this.data = d;
        }

        @Override
        public JsonNode errorData() {
            return data;
        }
    }

    private static String domain(JsonNode params) {
        String d = ConnectionInfoJson.text(params, "domain", "domain")
                .orElseThrow(() -> new InvalidInputException("domain", null, "is required (a domain name or uuid)"));
        if (d.isEmpty() || d.length() > MAX_DOMAIN || d.chars().anyMatch(c -> c < 0x20 || c == 0x7f || c == '/')) {
            throw new InvalidInputException("domain", d, "is not a libvirt domain name or uuid");
        }
        return d;
    }

    private static Optional<String> xml(JsonNode params) {
        return ConnectionInfoJson.text(params, "xml", "xml");
    }
}
