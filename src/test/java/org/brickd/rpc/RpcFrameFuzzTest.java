package org.brickd.rpc;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.util.Iterator;
import java.util.Set;
import org.brickd.connector.ConnectionInfo;
import org.brickd.errors.InvalidInputException;
import org.junit.jupiter.api.BeforeAll;
import org.slf4j.LoggerFactory;

/**
 * The server's hostile-input path, byte stream to answer, without a socket: arbitrary bytes
 * (invalid UTF-8, deep nesting, over-long lines, several frames) go through the
 * {@link FrameReader} and the {@link Dispatcher} the daemon uses, with a method that parses
 * connection_info as connect_volume does. Each frame must end in a well-formed JSON-RPC
 * answer (or the silence a notification gets); an exception escaping is a finding.
 */
class RpcFrameFuzzTest {

    private static final Caller ROOT = new Caller(0, 0, -1, "root", "root");
    private static final Caller NOVA = new Caller(1000, 1000, -1, "nova", "nova", Set.of("brickd-read"));
    private static final ObjectMapper WIRE = RpcJson.mapper(RpcJson.MAX_DEPTH, 1 << 20);

    private static final MethodTable METHODS = new MethodTable()
            .register("connect_volume", Access.MUTATE, (params, caller) -> {
                ConnectionInfo ci = ConnectionInfoJson.parse(params.get("connection_info"));
                return JsonNodeFactory.instance.objectNode().put("volume_id", ci.volumeId().value());
            })
            .register("list_attachments", Access.READ, (params, caller) -> JsonNodeFactory.instance.arrayNode());

    private static final int MAX_FRAME = 4096;
    /** One dispatcher, as the server has: building a mapper per input would cost more than the parse. */
    private static final Dispatcher DISPATCHER = new Dispatcher(METHODS,
            new Authorizer(Set.of(), Set.of(), Set.of("brickd-read")), RpcJson.mapper(RpcJson.MAX_DEPTH, MAX_FRAME));

    @BeforeAll
    static void quietAudit() {
        // One audit line per frame would make the fuzzer measure the console, not the parser.
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("org.brickd.audit")).setLevel(ch.qos.logback.classic.Level.OFF);
    }

    @FuzzTest(maxDuration = "5m")
    void frames(FuzzedDataProvider data) throws IOException {
        int maxFrame = data.consumeInt(64, MAX_FRAME);
        Caller caller = data.consumeBoolean() ? ROOT : NOVA;
        byte[] stream = data.consumeRemainingAsBytes();
        FrameReader frames = new FrameReader(Channels.newChannel(new ByteArrayInputStream(stream)), maxFrame, n -> {
            if (n > maxFrame) {
                throw new AssertionError("line buffer grew to " + n + " past the cap " + maxFrame);
            }
        });
        int length;
        try {
            while ((length = frames.next()) >= 0) {
                Dispatcher.Step step = DISPATCHER.prepare(frames.frame(), length, caller);
                if (step instanceof Dispatcher.Reply reply && reply.response() != null) {
                    assertResponse(DISPATCHER, reply.response());
                } else if (step instanceof Dispatcher.Call call) {
                    JsonNode response = DISPATCHER.execute(call, caller);
                    if (response != null) {
                        assertResponse(DISPATCHER, response);
                    } else if (call.id() != null) {
                        throw new AssertionError("a call with an id got no answer");
                    }
                }
            }
        } catch (FrameReader.FrameTooLongException e) {
            JsonNode response = DISPATCHER.frameTooLong(caller, maxFrame);
            assertResponse(DISPATCHER, response);
        }
    }

    /** What a client reads: one JSON object, jsonrpc 2.0, an id, and exactly one of result or error. */
    private static void assertResponse(Dispatcher dispatcher, JsonNode response) throws IOException {
        byte[] line = dispatcher.mapper().writeValueAsBytes(response);
        for (byte b : line) {
            if (b == '\n' || b == '\r' || b == 0) {
                throw new AssertionError("response would not be one line: " + new String(line, java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        JsonNode r = WIRE.readTree(line);
        require(r.isObject() && "2.0".equals(r.path("jsonrpc").textValue()), "not a JSON-RPC 2.0 object", r);
        JsonNode id = r.get("id");
        require(id != null && (id.isNull() || id.isTextual() || id.isIntegralNumber()), "bad id", r);
        require(r.has("result") != r.has("error"), "not exactly one of result and error", r);
        for (Iterator<String> names = r.fieldNames(); names.hasNext(); ) {
            String n = names.next();
            require(Set.of("jsonrpc", "id", "result", "error").contains(n), "unexpected member " + n, r);
        }
        if (r.has("error")) {
            JsonNode e = r.get("error");
            require(e.path("code").isInt() && e.path("message").isTextual() && !e.path("message").textValue().isEmpty(),
                    "error without an int code and a message", r);
            int code = e.get("code").intValue();
            require(code != RpcErrors.INTERNAL_ERROR, "internal error: an exception escaped a method", r);
            if (code == RpcErrors.INVALID_PARAMS && e.path("data").has("field")) {
                String field = e.get("data").get("field").textValue();
                require(e.get("message").textValue().startsWith("invalid " + field + " ")
                        || e.get("message").textValue().startsWith("invalid params: "), "message does not name the field", r);
            }
            String message = e.get("message").textValue();
            for (int i = 0; i < message.length(); i++) {
                char c = message.charAt(i);
                require(!(c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029'),
                        "error message carries a control character " + InvalidInputException.show(message), r);
            }
        }
    }

    private static void require(boolean ok, String what, JsonNode response) {
        if (!ok) {
            throw new AssertionError(what + ": " + response);
        }
    }
}
