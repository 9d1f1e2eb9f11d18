package org.brickd.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import org.brickd.errors.BrickException;
import org.brickd.errors.BrickException.Code;
import org.brickd.errors.DeadlineException;
import org.brickd.errors.InvalidInputException;
import org.brickd.errors.WwidMismatchException;
import org.junit.jupiter.api.Test;

class RpcErrorsTest {

    /** The wire contract: these numbers never change meaning. */
    private static final Map<Code, Integer> CONTRACT = Map.of(
            Code.INVALID_INPUT, -32602, Code.NOT_FOUND, -32004, Code.BUSY, -32005, Code.HOST_ERROR, -32010,
            Code.TIMEOUT, -32011, Code.WWID_MISMATCH, -32020, Code.LEFTOVERS, -32021,
            Code.UNMATCHED_DISK, -32030, Code.UNAVAILABLE, -32040, Code.INTERNAL, -32603);

    @Test
    void everyBrickCodeHasItsFixedDistinctWireCode() {
        Set<Integer> seen = new HashSet<>();
        for (Code c : Code.values()) {
            assertThat(RpcErrors.code(c)).as(c.name()).isEqualTo(CONTRACT.get(c));
            assertThat(seen.add(RpcErrors.code(c))).as("distinct " + c).isTrue();
            assertThat(RpcErrors.brickCode(RpcErrors.code(c))).hasValue(c);
        }
        assertThat(RpcErrors.brickCode(RpcErrors.UNAUTHORIZED)).isEmpty();
    }

    @Test
    void invalidInputCarriesTheField() {
        RpcErrors.ErrorBody e = RpcErrors.of(new InvalidInputException("connection_info.data.target_lun", "x", "must be a number"));
        assertThat(e.code()).isEqualTo(-32602);
        assertThat(e.message()).contains("target_lun").contains("\"x\"");
        assertThat(e.data().path("field").asText()).isEqualTo("connection_info.data.target_lun");
    }

    @Test
    void brickExceptionsKeepTheirMessage() {
        RpcErrors.ErrorBody e = RpcErrors.of(new WwidMismatchException("sdc reads naa.1, volume vol-1 wants naa.2"));
        assertThat(e.code()).isEqualTo(-32020);
        assertThat(e.message()).isEqualTo("sdc reads naa.1, volume vol-1 wants naa.2");
        assertThat(e.data()).isNull();
        assertThat(RpcErrors.of(new DeadlineException("slow")).code()).isEqualTo(-32011);
    }

    static final class Leftovers extends BrickException implements HasErrorData {
        Leftovers() {
            super(Code.LEFTOVERS, "sdd and dm-3 remain for vol-1");
        }

        @Override
        public JsonNode errorData() {
            return JsonNodeFactory.instance.objectNode().set("devices",
                    JsonNodeFactory.instance.arrayNode().add("sdd").add("dm-3"));
        }
    }

    @Test
    void structuredDataTravelsAsData() {
        RpcErrors.ErrorBody e = RpcErrors.of(new Leftovers());
        assertThat(e.code()).isEqualTo(-32021);
        assertThat(e.toJson().path("data").path("devices").get(1).asText()).isEqualTo("dm-3");
    }

    @Test
    void anythingElseIsAnInternalErrorNamingItsClass() {
        RpcErrors.ErrorBody e = RpcErrors.of(new CompletionException(new IllegalStateException("boom")));
        assertThat(e.code()).isEqualTo(-32603);
        assertThat(e.message()).isEqualTo("internal error: java.lang.IllegalStateException: boom");
    }

    @Test
    void responsesAreJsonRpcEnvelopes() {
        JsonNode ok = RpcErrors.result(IntNode.valueOf(3), null);
        assertThat(ok.toString()).isEqualTo("{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":null}");
        JsonNode err = RpcErrors.response(null, RpcErrors.error(-32700, "parse error: x"));
        assertThat(err.toString()).isEqualTo("{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,\"message\":\"parse error: x\"}}");
    }

    @Test
    void longMessagesAreCut() {
        RpcErrors.ErrorBody e = RpcErrors.of(new BrickException(Code.HOST_ERROR, "y".repeat(10_000)));
        assertThat(e.message()).hasSizeLessThan(2100).endsWith("(10000 chars)");
    }
}
