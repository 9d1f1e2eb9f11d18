package org.brickd.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Hides secrets before anything from a request reaches a log. connection_info carries CHAP
 * passwords (auth_password, discovery_auth_password) at varying depths, so the match is on the
 * key name anywhere in the tree, not on known paths.
 */
public final class Redaction {

    public static final String MASK = "***";

    private static final List<String> SECRET_WORDS = List.of("password", "secret", "passphrase");

    private Redaction() {}

    /** True for a key whose value must never be logged. */
    public static boolean isSecretKey(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        for (String w : SECRET_WORDS) {
            if (k.contains(w)) {
                return true;
            }
        }
        return false;
    }

    /** A copy of {@code node} with the value of every secret key, at any depth, replaced by {@value #MASK}. */
    public static JsonNode redact(JsonNode node) {
        if (node == null) {
            return null;
        }
        if (node.isObject()) {
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                out.set(e.getKey(), isSecretKey(e.getKey()) ? TextNode.valueOf(MASK) : redact(e.getValue()));
            }
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            node.forEach(v -> out.add(redact(v)));
            return out;
        }
        return node;
    }

    /** The redacted tree as one log-safe line of at most {@code maxChars}. */
    public static String forLog(JsonNode node, int maxChars) {
        String s = String.valueOf(redact(node));
        return s.length() <= maxChars ? s : s.substring(0, maxChars) + "… (" + s.length() + " chars)";
    }
}
