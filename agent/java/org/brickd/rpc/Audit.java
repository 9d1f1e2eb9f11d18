package org.brickd.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.brickd.errors.InvalidInputException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One INFO line per call on logger {@code org.brickd.audit}: who, what, which volume, how it
 * ended, how long it took. Params are never logged; only the volume id is picked out.
 */
final class Audit {

    private static final Logger LOG = LoggerFactory.getLogger("org.brickd.audit");

    void call(Caller caller, String method, JsonNode params, Integer errorCode, long startNanos) {
        if (!LOG.isInfoEnabled()) {
            return;
        }
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        LOG.info("rpc user={} uid={} pid={} method={} volume={} outcome={} ms={}",
                InvalidInputException.show(caller.user()), caller.uid(), caller.pid(), method,
                volumeId(params).map(InvalidInputException::show).orElse("-"),
                errorCode == null ? "ok" : "error " + errorCode, ms);
    }

    /** connection_info.serial, connection_info.data.volume_id or volume_id, whichever comes first. */
    static Optional<String> volumeId(JsonNode params) {
        if (params == null) {
            return Optional.empty();
        }
        for (JsonNode v : new JsonNode[] {
                params.path("connection_info").path("serial"),
                params.path("connection_info").path("data").path("volume_id"),
                params.path("volume_id")}) {
            if (v.isTextual() || v.isNumber()) {
                return Optional.of(v.asText());
            }
        }
        return Optional.empty();
    }
}
