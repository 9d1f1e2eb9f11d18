package org.brickd.rpc;

import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import java.io.IOException;
import org.brickd.errors.InvalidInputException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Request handling in two halves. {@link #prepare} runs on the connection's reader thread and
 * does everything cheap and hostile-input-facing (parse, shape, method lookup, authorization),
 * so garbage and unauthorized floods never occupy a worker. {@link #execute} runs the method
 * on a worker.
 */
final class Dispatcher {

    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);
    private static final String NO_METHOD = "-";

    /** What to do with one frame. */
    sealed interface Step permits Reply, Call {}

    /** Answer at once; {@code response} null means stay silent (a failed notification). */
    record Reply(JsonNode response) implements Step {}

    /** Run a method; {@code id} null means a notification. */
    record Call(JsonNode id, MethodTable.Entry entry, JsonNode params, long startNanos) implements Step {}

    private final MethodTable methods;
    private final Authorizer authorizer;
    private final ObjectMapper mapper;
    private final Audit audit = new Audit();

    Dispatcher(MethodTable methods, Authorizer authorizer, ObjectMapper mapper) {
        this.methods = methods;
        this.authorizer = authorizer;
        this.mapper = mapper;
    }

    ObjectMapper mapper() {
        return mapper;
    }

    /** Returns null for a blank line, which is skipped. */
    Step prepare(byte[] frame, int length, Caller caller) {
        long t0 = System.nanoTime();
        if (isBlank(frame, length)) {
            return null;
        }
        JsonNode req;
        // Jackson quotes the bytes it choked on verbatim: escaped, so brickctl never prints a raw control character.
        try {
            req = mapper.readTree(frame, 0, length);
        } catch (StreamConstraintsException e) {
            return refuse(caller, null, NO_METHOD, null, RpcErrors.INVALID_REQUEST,
                    "invalid request: " + InvalidInputException.printable(e.getOriginalMessage()), t0);
        } catch (JsonProcessingException e) {
            return refuse(caller, null, NO_METHOD, null, RpcErrors.PARSE_ERROR,
                    "parse error: " + InvalidInputException.printable(e.getOriginalMessage()), t0);
        } catch (IOException e) {
            return refuse(caller, null, NO_METHOD, null, RpcErrors.PARSE_ERROR, "parse error: " + InvalidInputException.printable(e.getMessage()), t0);
        }
        if (!req.isObject()) {
            return refuse(caller, null, NO_METHOD, null, RpcErrors.INVALID_REQUEST, req.isArray()
                    ? "invalid request: batch requests are not supported" : "invalid request: not a JSON object", t0);
        }
        JsonNode id = req.get("id");
        if (id != null && !(id.isTextual() || id.isIntegralNumber() || id.isNull())) {
            return refuse(caller, null, NO_METHOD, null, RpcErrors.INVALID_REQUEST,
                    "invalid request: id must be a string, an integer or null", t0);
        }
        JsonNode replyId = id == null ? NullNode.instance : id;
        if (!"2.0".equals(req.path("jsonrpc").textValue())) {
            return refuse(caller, replyId, NO_METHOD, null, RpcErrors.INVALID_REQUEST,
                    "invalid request: jsonrpc must be \"2.0\"", t0);
        }
        JsonNode m = req.get("method");
        if (m == null || !m.isTextual() || m.textValue().isEmpty()) {
            return refuse(caller, replyId, NO_METHOD, null, RpcErrors.INVALID_REQUEST,
                    "invalid request: method must be a non-empty string", t0);
        }
        String name = m.textValue();
        MethodTable.Entry entry = methods.lookup(name).orElse(null);
        if (entry == null) {
            String shown = InvalidInputException.show(name);
            return refuse(caller, id, shown, null, RpcErrors.METHOD_NOT_FOUND, "method not found: " + shown, t0);
        }
        JsonNode params = req.get("params");
        if (!authorizer.allows(caller, entry.access())) {
            return refuse(caller, id, name, params, RpcErrors.UNAUTHORIZED,
                    "not authorized: user " + InvalidInputException.show(caller.user()) + " may not call " + name, t0);
        }
        if (params == null) {
            params = JsonNodeFactory.instance.objectNode();
        } else if (!params.isObject()) {
            return refuse(caller, id, name, null, RpcErrors.INVALID_PARAMS,
                    "invalid params: params must be an object, not " + params.getNodeType().name().toLowerCase(java.util.Locale.ROOT), t0);
        }
        return new Call(id, entry, params, t0);
    }

    /** Runs the method; returns the response, or null for a notification. */
    JsonNode execute(Call call, Caller caller) {
        String name = call.entry().name();
        JsonNode result = null;
        RpcErrors.ErrorBody error = null;
        try {
            result = call.entry().method().call(call.params(), caller);
        } catch (RuntimeException | StackOverflowError | LinkageError | AssertionError t) {
            error = RpcErrors.of(t);
            if (error.code() == RpcErrors.INTERNAL_ERROR) {
                LOG.error("internal error in {} called by {} (params {})", name,
                        InvalidInputException.show(caller.user()), Redaction.forLog(call.params(), 2000), t);
            } else {
                // the reason the caller got, in the daemon's log too (the audit line has only the code)
                LOG.warn("{} called by {} failed: {}", name, InvalidInputException.show(caller.user()), error.message());
            }
        }
        audit.call(caller, name, call.params(), error == null ? null : error.code(), call.startNanos());
        if (call.id() == null) {
            return null;
        }
        return error == null ? RpcErrors.result(call.id(), result) : RpcErrors.response(call.id(), error);
    }

    /** The pool would not take the call: busy, or stopping. Returns null for a notification. */
    JsonNode rejected(Call call, Caller caller, boolean stopping, String detail) {
        int code = RpcErrors.code(stopping
                ? org.brickd.errors.BrickException.Code.UNAVAILABLE : org.brickd.errors.BrickException.Code.BUSY);
        String message = stopping ? "server is shutting down; retry after it restarts" : "server busy: " + detail + "; retry later";
        audit.call(caller, call.entry().name(), call.params(), code, call.startNanos());
        return call.id() == null ? null : RpcErrors.response(call.id(), RpcErrors.error(code, message));
    }

    /** A frame over the cap: audited, and answered with id null. */
    JsonNode frameTooLong(Caller caller, int maxFrame) {
        long t0 = System.nanoTime();
        audit.call(caller, NO_METHOD, null, RpcErrors.INVALID_REQUEST, t0);
        return RpcErrors.response(null, RpcErrors.error(RpcErrors.INVALID_REQUEST,
                "invalid request: frame exceeds " + maxFrame + " bytes; connection closed"));
    }

    private Reply refuse(Caller caller, JsonNode id, String method, JsonNode params, int code, String message, long t0) {
        audit.call(caller, method, params, code, t0);
        // A notification (no id) that failed after it was recognised as one gets no answer.
        boolean notification = id == null && code != RpcErrors.PARSE_ERROR && code != RpcErrors.INVALID_REQUEST;
        return new Reply(notification ? null : RpcErrors.response(id, RpcErrors.error(code, message)));
    }

    private static boolean isBlank(byte[] frame, int length) {
        for (int i = 0; i < length; i++) {
            byte b = frame[i];
            if (b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return true;
    }
}
