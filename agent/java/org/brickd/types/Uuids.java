package org.brickd.types;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The shared grammar of {@link VolumeId} and {@link InstanceId}: a UUID in the 8-4-4-4-12
 * hex form OpenStack services print, any case, canonical lowercase. Braces, {@code urn:uuid:}
 * and the undashed 32-digit form are refused: cinder and nova never send them, so seeing one
 * means the caller passed the wrong field.
 */
final class Uuids {

    static final int MAX_LENGTH = 36;
    private static final Pattern UUID = Pattern.compile(
            "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private Uuids() {
    }

    static String canonical(String field, String raw) {
        Check.text(field, raw, MAX_LENGTH);
        String s = raw.toLowerCase(Locale.ROOT);
        if (!UUID.matcher(s).matches()) {
            throw Check.bad(field, raw, "is not a UUID (8-4-4-4-12 hex digits)");
        }
        return s;
    }
}
