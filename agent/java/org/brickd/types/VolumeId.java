package org.brickd.types;

/**
 * A cinder volume id: a UUID written 8-4-4-4-12 in hex, any case; canonical form lowercase.
 * At most {@value #MAX_LENGTH} characters.
 */
public record VolumeId(String value) {

    public static final String FIELD = "volume_id";
    public static final int MAX_LENGTH = Uuids.MAX_LENGTH;

    public VolumeId {
        value = Uuids.canonical(FIELD, value);
    }

    public static VolumeId parse(String raw) {
        return parse(FIELD, raw);
    }

    public static VolumeId parse(String field, String raw) {
        return new VolumeId(Uuids.canonical(field, raw));
    }

    @Override
    public String toString() {
        return value;
    }
}
