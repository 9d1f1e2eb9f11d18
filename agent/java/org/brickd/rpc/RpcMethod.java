package org.brickd.rpc;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One JSON-RPC method. {@code params} is always a JSON object (an absent params member arrives
 * as an empty object). Throw a {@link org.brickd.errors.BrickException} to answer with an
 * error; {@link RpcErrors} maps it to the wire code. A null result is sent as JSON null.
 */
@FunctionalInterface
public interface RpcMethod {
    JsonNode call(JsonNode params, Caller caller);
}
