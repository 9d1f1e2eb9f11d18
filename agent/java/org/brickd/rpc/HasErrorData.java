package org.brickd.rpc;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Implemented by an exception that carries structured detail for the caller (the devices
 * left behind, the WWIDs that differed). {@link RpcErrors} sends it as the error's {@code data}.
 */
public interface HasErrorData {
    JsonNode errorData();
}
