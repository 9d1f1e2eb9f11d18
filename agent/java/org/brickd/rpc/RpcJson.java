package org.brickd.rpc;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** The mappers both ends use: bounded depth and string length, no duplicate keys, no trailing garbage. */
final class RpcJson {

    /** Deeper than any real request (connection_info is 3 levels); well below what recursion can survive. */
    static final int MAX_DEPTH = 64;

    private RpcJson() {}

    static ObjectMapper mapper(int maxDepth, int maxStringLength) {
        JsonFactory f = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(maxDepth)
                        .maxStringLength(maxStringLength)
                        .build())
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
        return JsonMapper.builder(f).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
    }
}
