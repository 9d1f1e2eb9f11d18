package org.brickd.errors;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What an operator reads in a log line or brickctl's output when a caller sends hostile bytes. */
class InvalidInputExceptionTest {

    @Test
    void theMessageShowsControlSeparatorAndBidiCharactersEscaped() {
        InvalidInputException e = new InvalidInputException("target_iqn", "a\nb\u0085c\u2028d\u202ee\u009bf", "is bad");

        assertThat(e.getMessage()).isEqualTo("invalid target_iqn \"a\\x0ab\\x85c\\u2028d\\u202ee\\x9bf\": is bad");
    }

    @Test
    void printableEscapesOnlyWhatIsUnprintable() {
        assertThat(InvalidInputException.printable("Unrecognized token 'é\u0000x': was expecting \"null\""))
                .isEqualTo("Unrecognized token 'é\\x00x': was expecting \"null\"");
        assertThat(InvalidInputException.printable("plain text")).isEqualTo("plain text");
    }
}
