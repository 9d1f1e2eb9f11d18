package org.brickd.types;

/**
 * A nova instance uuid: a UUID written 8-4-4-4-12 in hex, any case; canonical form lowercase.
 * At most {@value #MAX_LENGTH} characters.
 */
public record InstanceId(String value) {

    public static final String FIELD = "instance_uuid";
    public static final int MAX_LENGTH = Uuids.MAX_LENGTH;

    public InstanceId {
        value = Uuids.canonical(FIELD, value);
    }

    public static InstanceId parse(String raw) {
        return parse(FIELD, raw);
    }

    public static InstanceId parse(String field, String raw) {
        return new InstanceId(Uuids.canonical(field, raw));
    }

    @Override
    public String toString() {
        return value;
    }
}
