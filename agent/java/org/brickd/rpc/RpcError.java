package org.brickd.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;
import org.brickd.errors.BrickException;

/** An error response, as {@link RpcClient} received it. */
public final class RpcError extends RuntimeException {

    private final int code;
    private final transient JsonNode data;

    public RpcError(int code, String message, JsonNode data) {
        super(message);
        this.code = code;
        this.data = data;
    }

    static RpcError fromJson(JsonNode error) {
        JsonNode data = error.get("data");
        return new RpcError(error.path("code").asInt(RpcErrors.INTERNAL_ERROR),
                error.path("message").asText("(no message)"), data == null || data.isNull() ? null : data);
    }

    public int code() {
        return code;
    }

    /** The error's data member, or null. */
    public JsonNode data() {
        return data;
    }

    /** The server-side error class, when the code is one of brickd's own. */
    public Optional<BrickException.Code> brickCode() {
        return RpcErrors.brickCode(code);
    }

    public ObjectNode toJson() {
        return new RpcErrors.ErrorBody(code, getMessage(), data).toJson();
    }

    @Override
    public String toString() {
        return "RpcError " + code + ": " + getMessage() + (data == null ? "" : " " + data);
    }
}
