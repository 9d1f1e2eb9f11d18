package org.brickd.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class RedactionTest {

    private static final ObjectMapper M = new ObjectMapper();

    private static JsonNode json(String s) throws Exception {
        return M.readTree(s);
    }

    @Test
    void masksSecretKeysAtAnyDepthAndLeavesTheRest() throws Exception {
        JsonNode params = json("""
                {"connection_info": {"driver_volume_type": "iscsi", "serial": "vol-1",
                  "data": {"auth_method": "CHAP", "auth_username": "u", "auth_password": "p1",
                           "discovery_auth_password": "p2", "target_portals": ["10.0.0.1:3260"],
                           "nested": [{"Client_SECRET": "s1", "ok": 1}, {"x": {"passphrase": "s2"}}]}},
                 "password": "top", "secret_key": {"deep": "whole subtree hidden"}}
                """);

        JsonNode r = Redaction.redact(params);

        String text = r.toString();
        for (String secret : new String[] {"p1", "p2", "s1", "s2", "top", "whole subtree hidden"}) {
            assertThat(text).doesNotContain("\"" + secret + "\"");
        }
        JsonNode data = r.path("connection_info").path("data");
        assertThat(data.path("auth_password").asText()).isEqualTo(Redaction.MASK);
        assertThat(data.path("nested").get(0).path("Client_SECRET").asText()).isEqualTo(Redaction.MASK);
        assertThat(data.path("nested").get(1).path("x").path("passphrase").asText()).isEqualTo(Redaction.MASK);
        assertThat(r.path("secret_key").asText()).isEqualTo(Redaction.MASK);
        assertThat(data.path("auth_username").asText()).isEqualTo("u");
        assertThat(data.path("target_portals").get(0).asText()).isEqualTo("10.0.0.1:3260");
        assertThat(data.path("nested").get(0).path("ok").asInt()).isEqualTo(1);
        // the input is not touched
        assertThat(params.path("password").asText()).isEqualTo("top");
    }

    @Test
    void scalarsAndNullPassThrough() throws Exception {
        assertThat(Redaction.redact(null)).isNull();
        assertThat(Redaction.redact(json("\"password\""))).isEqualTo(json("\"password\""));
        assertThat(Redaction.redact(json("[1, {\"secret\": 2}]"))).isEqualTo(json("[1, {\"secret\": \"***\"}]"));
    }

    @Test
    void forLogCutsLongOutput() throws Exception {
        String s = Redaction.forLog(json("{\"a\": \"" + "x".repeat(500) + "\", \"password\": \"p\"}"), 100);
        assertThat(s).startsWith("{\"a\":\"xxx").contains("… (").doesNotContain("\"p\"");
    }

    @Test
    void auditPicksOutOnlyTheVolumeId() throws Exception {
        assertThat(Audit.volumeId(json("{\"connection_info\": {\"serial\": \"vol-a\", \"data\": {\"volume_id\": \"vol-b\"}}}")))
                .hasValue("vol-a");
        assertThat(Audit.volumeId(json("{\"connection_info\": {\"data\": {\"volume_id\": \"vol-b\"}}, \"volume_id\": \"c\"}")))
                .hasValue("vol-b");
        assertThat(Audit.volumeId(json("{\"volume_id\": \"vol-c\"}"))).hasValue("vol-c");
        assertThat(Audit.volumeId(json("{\"volume_id\": {\"not\": \"a string\"}}"))).isEmpty();
        assertThat(Audit.volumeId(json("{}"))).isEmpty();
        assertThat(Audit.volumeId(null)).isEmpty();
    }
}
