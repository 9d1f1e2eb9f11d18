package org.brickd.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.brickd.errors.BrickException;
import org.brickd.errors.BrickException.Code;
import org.brickd.errors.InvalidInputException;

/**
 * The one place exceptions become JSON-RPC errors. The table is part of the wire contract:
 * callers branch on these numbers, so a code never changes meaning.
 *
 * <pre>
 *  -32700  parse error            the frame is not JSON
 *  -32600  invalid request        not an object, jsonrpc != "2.0", no method, bad id, frame too long
 *  -32601  method not found
 *  -32602  invalid params         params not an object; InvalidInputException (data: {"field": …})
 *  -32603  internal error         BrickException INTERNAL; any other exception ("internal error: class: message")
 *  -32001  not authorized
 *  -32004  NOT_FOUND
 *  -32005  BUSY                   also "server busy" when the worker pool is saturated
 *  -32010  HOST_ERROR
 *  -32011  TIMEOUT
 *  -32020  WWID_MISMATCH
 *  -32021  LEFTOVERS
 *  -32030  UNMATCHED_DISK
 *  -32040  UNAVAILABLE            also "server is shutting down"
 * </pre>
 * An exception implementing {@link HasErrorData} sends its data as the error's {@code data}.
 */
public final class RpcErrors {

    public static final int PARSE_ERROR = -32700;
    public static final int INVALID_REQUEST = -32600;
    public static final int METHOD_NOT_FOUND = -32601;
    public static final int INVALID_PARAMS = -32602;
    public static final int INTERNAL_ERROR = -32603;
    public static final int UNAUTHORIZED = -32001;

    private static final Map<Code, Integer> BY_CODE = new EnumMap<>(Code.class);

    static {
        BY_CODE.put(Code.INVALID_INPUT, INVALID_PARAMS);
        BY_CODE.put(Code.NOT_FOUND, -32004);
        BY_CODE.put(Code.BUSY, -32005);
        BY_CODE.put(Code.HOST_ERROR, -32010);
        BY_CODE.put(Code.TIMEOUT, -32011);
        BY_CODE.put(Code.WWID_MISMATCH, -32020);
        BY_CODE.put(Code.LEFTOVERS, -32021);
        BY_CODE.put(Code.UNMATCHED_DISK, -32030);
        BY_CODE.put(Code.UNAVAILABLE, -32040);
        BY_CODE.put(Code.INTERNAL, INTERNAL_ERROR);
        if (BY_CODE.size() != Code.values().length) {
            throw new AssertionError("RpcErrors misses a BrickException code");
        }
    }

    private static final int MAX_MESSAGE_CHARS = 2000;

    /** A JSON-RPC error object: code, message and optional data (null when absent). */
    public record ErrorBody(int code, String message, JsonNode data) {

        public ObjectNode toJson() {
            ObjectNode e = JsonNodeFactory.instance.objectNode();
            e.put("code", code);
            e.put("message", message);
            if (data != null && !data.isNull()) {
                e.set("data", data);
            }
            return e;
        }
    }

    private RpcErrors() {}

    /** The wire code of a BrickException code. */
    public static int code(Code code) {
        return BY_CODE.get(code);
    }

    /** The BrickException code a wire code stands for, if it stands for one (-32602 and -32603 are ambiguous and map to INVALID_INPUT and INTERNAL). */
    public static Optional<Code> brickCode(int wire) {
        for (Map.Entry<Code, Integer> e : BY_CODE.entrySet()) {
            if (e.getValue() == wire) {
                return Optional.of(e.getKey());
            }
        }
        return Optional.empty();
    }

    /** Maps whatever a method threw. Wrappers from futures are looked through. */
    public static ErrorBody of(Throwable thrown) {
        Throwable t = unwrap(thrown);
        JsonNode data = t instanceof HasErrorData h ? h.errorData() : null;
        if (t instanceof InvalidInputException iie) {
            if (data == null) {
                data = JsonNodeFactory.instance.objectNode().put("field", iie.field());
            }
            return new ErrorBody(INVALID_PARAMS, cut(iie.getMessage()), data);
        }
        if (t instanceof BrickException be) {
            return new ErrorBody(code(be.code()), cut(String.valueOf(be.getMessage())), data);
        }
        return new ErrorBody(INTERNAL_ERROR, cut("internal error: " + t.getClass().getName() + ": " + t.getMessage()), data);
    }

    public static ErrorBody error(int code, String message) {
        return new ErrorBody(code, cut(message), null);
    }

    /** A whole error response; {@code id} null or absent becomes JSON null. */
    public static ObjectNode response(JsonNode id, ErrorBody error) {
        ObjectNode r = envelope(id);
        r.set("error", error.toJson());
        return r;
    }

    /** A whole success response. */
    public static ObjectNode result(JsonNode id, JsonNode result) {
        ObjectNode r = envelope(id);
        r.set("result", result == null ? NullNode.instance : result);
        return r;
    }

    private static ObjectNode envelope(JsonNode id) {
        ObjectNode r = JsonNodeFactory.instance.objectNode();
        r.put("jsonrpc", "2.0");
        r.set("id", id == null ? NullNode.instance : id);
        return r;
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static String cut(String s) {
        return s.length() <= MAX_MESSAGE_CHARS ? s : s.substring(0, MAX_MESSAGE_CHARS) + "… (" + s.length() + " chars)";
    }
}
