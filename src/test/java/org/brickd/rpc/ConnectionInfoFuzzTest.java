package org.brickd.rpc;

import static org.brickd.testing.SafeValues.assertClearRefusal;
import static org.brickd.testing.SafeValues.assertSafeText;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.brickd.connector.ConnectionInfo;
import org.brickd.connector.FcConnection;
import org.brickd.connector.IscsiConnection;
import org.brickd.errors.InvalidInputException;
import org.brickd.iscsi.Chap;
import org.brickd.testing.SafeValues.Extra;
import org.brickd.types.Lun;
import org.brickd.types.Wwid;
import org.brickd.types.Wwpn;

/**
 * connection_info as nova sends it, built from fuzz data: the keys cinder's drivers use with
 * values that are valid, nearly valid, of the wrong JSON type, or hostile text. The parse
 * must refuse naming a connection_info field, or give a connection whose every value is safe
 * for iscsiadm's argv and sysfs.
 */
class ConnectionInfoFuzzTest {

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private static final List<String> DATA_KEYS = List.of(
            "target_portal", "target_iqn", "target_lun", "target_portals", "target_iqns", "target_luns",
            "volume_id", "scsi_wwn", "wwn", "access_mode", "encrypted", "device_path", "addressing_mode",
            "auth_method", "auth_username", "auth_password", "auth_username_in", "auth_password_in",
            "discovery_auth_method", "discovery_auth_username", "discovery_auth_password",
            "target_wwn", "initiator_target_map", "qos_specs", "target_discovered");

    /** Valid values of every kind the keys take, for the fuzzer to start from and splice. */
    private static final List<String> SAMPLES = List.of(
            "iscsi", "fibre_channel", "10.0.0.5:3260", "[fe80::1]:3260", "storage-1.example.org",
            "iqn.2010-10.org.openstack:volume-1", "eui.02004567a425678d", "5f0c1b6e-2d4f-4c59-9a6e-3b1f00d0c0de",
            "500a098280feeba5", "50:0a:09:82:80:fe:eb:a5", "0x500a098280feeba5", "naa.600140512345678901234567890abcde",
            "3600140512345678901234567890abcde", "t10.LIO-ORG  disk0", "rw", "ro", "CHAP", "None", "SAM2", "SAM3-flat",
            "/dev/disk/by-path/ip-10.0.0.5:3260-iscsi-iqn.2010-10.org.openstack:volume-1-lun-1", "/dev/sdb", "0", "255");

    @FuzzTest(maxDuration = "5m")
    void structured(FuzzedDataProvider data) {
        ObjectNode ci = F.objectNode();
        ci.set("driver_volume_type", data.consumeBoolean() ? F.textNode(data.pickValue(List.of("iscsi", "fibre_channel")))
                : value(data, 1));
        if (data.consumeBoolean()) {
            ci.set("serial", value(data, 1));
        }
        ObjectNode d = F.objectNode();
        int keys = data.consumeInt(0, 12);
        for (int i = 0; i < keys; i++) {
            String key = data.consumeBoolean() ? data.pickValue(DATA_KEYS) : data.consumeString(12);
            d.set(key, value(data, 0));
        }
        ci.set("data", data.consumeInt(0, 15) == 0 ? value(data, 0) : d);
        check(ci);
    }

    @FuzzTest(maxDuration = "5m")
    void recorded(FuzzedDataProvider data) {
        ConnectionInfo parsed;
        try {
            parsed = ConnectionInfoJson.parseRecorded(data.consumeRemainingAsString());
        } catch (InvalidInputException e) {
            assertClearRefusal(e, null);
            return;
        }
        assertSafe(parsed);
    }

    static void check(JsonNode ci) {
        ConnectionInfo parsed;
        try {
            parsed = ConnectionInfoJson.parse(ci);
        } catch (InvalidInputException e) {
            assertClearRefusal(e, null);
            if (!(e.field().startsWith("connection_info") || e.field().startsWith("data."))) {
                throw new AssertionError("refusal names " + e.field() + ", not a connection_info key", e);
            }
            return;
        }
        assertSafe(parsed);
    }

    /** Every value a connector passes on to host/ is safe text. */
    static void assertSafe(ConnectionInfo ci) {
        assertSafeText("volume id", ci.volumeId().value());
        ci.expectedWwid().ifPresent(ConnectionInfoFuzzTest::wwid);
        if (ci instanceof IscsiConnection iscsi) {
            for (IscsiConnection.IscsiPath p : iscsi.paths()) {
                assertSafeText("portal", p.portal().iscsiadmForm(), Extra.BRACKETS);
                assertSafeText("target iqn", p.target().value());
                lun(p.lun());
            }
            iscsi.chap().ifPresent(ConnectionInfoFuzzTest::chap);
            iscsi.discoveryChap().ifPresent(ConnectionInfoFuzzTest::chap);
        } else if (ci instanceof FcConnection fc) {
            for (FcConnection.FcTarget t : fc.targets()) {
                assertSafeText("target wwpn", t.wwpn().with0x());
                lun(t.lun());
            }
            fc.initiatorTargetMap().forEach((initiator, targets) -> {
                assertSafeText("initiator wwpn", initiator.with0x());
                targets.stream().map(Wwpn::with0x).forEach(w -> assertSafeText("mapped wwpn", w));
            });
        }
    }

    private static void wwid(Wwid w) {
        assertSafeText("wwid", w.kernel(), Extra.SPACE);
        assertSafeText("wwid", w.udev());
    }

    private static void lun(Lun l) {
        assertSafeText("lun", l.scanToken());
        if (l.value() < 0 || l.value() > Lun.MAX) {
            throw new AssertionError("lun out of range: " + l);
        }
    }

    /** CHAP values may hold any printable character (one line of open-iscsi's record), never a control one nor edge blanks. */
    private static void chap(Chap c) {
        for (String s : new String[] {c.username(), c.password(), c.usernameIn().orElse("x"), c.passwordIn().orElse("x")}) {
            if (s.isEmpty() || s.length() > 255 || s.chars().anyMatch(ch -> ch < 0x20 || ch == 0x7f) || !s.equals(s.strip())) {
                throw new AssertionError("CHAP value of " + s.length() + " chars is empty, too long, has a control"
                        + " character or an edge blank");
            }
        }
    }

    private static JsonNode value(FuzzedDataProvider data, int depth) {
        switch (data.consumeInt(0, depth > 2 ? 5 : 7)) {
            case 0: return F.textNode(data.pickValue(SAMPLES));
            case 1: return F.textNode(data.pickValue(SAMPLES) + data.consumeString(8));
            case 2: return F.textNode(data.consumeString(64));
            case 3: return F.numberNode(data.consumeLong());
            case 4: return F.booleanNode(data.consumeBoolean());
            case 5: return F.nullNode();
            case 6: {
                ArrayNode a = F.arrayNode();
                int n = data.consumeInt(0, 4);
                for (int i = 0; i < n; i++) {
                    a.add(value(data, depth + 1));
                }
                return a;
            }
            default: {
                ObjectNode o = F.objectNode();
                int n = data.consumeInt(0, 3);
                for (int i = 0; i < n; i++) {
                    o.set(data.consumeBoolean() ? data.pickValue(SAMPLES) : data.consumeString(20), value(data, depth + 1));
                }
                return o;
            }
        }
    }
}
