package org.brickd.types;

import java.util.stream.Stream;

/**
 * Input an attacker or a confused caller might send in place of a valid value: the valid
 * value with a shell metacharacter, control character, whitespace, traversal or bulk added.
 * Every type must refuse all of it, naming the field.
 */
final class Hostile {

    private static final String SHELL_META = ";|&$`()<>'\"\\*?{}~!#[]";

    private Hostile() {
    }

    static Stream<String> around(String valid) {
        Stream.Builder<String> b = Stream.builder();
        for (char c : (SHELL_META + "\n\r\t ").toCharArray()) {
            b.add(valid + c);
            b.add(c + valid);
            b.add(valid + c + "x");
        }
        b.add(valid + "\u0000");
        b.add("\u0000" + valid);
        b.add(valid + "\u007f");
        b.add(valid + "\u0085");
        b.add(valid + "\u00a0");
        b.add(valid + "\u202e");
        b.add(valid + "; rm -rf /");
        b.add("$(reboot)");
        b.add("`reboot`");
        b.add("..");
        b.add(valid + "..");
        b.add("../" + valid);
        b.add(valid + "/../../etc/passwd");
        b.add("a".repeat(10_000));
        b.add(valid + "a".repeat(10_000));
        b.add(valid.repeat(1_000));
        return b.build();
    }
}
