package org.brickd.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

class AuthorizerTest {

    private final Authorizer auth = new Authorizer(Set.of("nova"), Set.of("brickd"), Set.of("brickd-ro"));

    private static Caller user(String name, String primary, String... supplementary) {
        return new Caller(1000, 1000, -1, name, primary, Set.of(supplementary));
    }

    @Test
    void rootMayCallAnythingWhateverTheConfig() {
        Caller root = new Caller(0, 0, -1, "root", "root");
        assertThat(Authorizer.rootOnly().allows(root, Access.MUTATE)).isTrue();
        assertThat(Authorizer.rootOnly().allows(root, Access.READ)).isTrue();
    }

    @Test
    void aUserNamedRootButNotUidZeroIsNotRoot() {
        assertThat(Authorizer.rootOnly().allows(new Caller(1000, 1000, -1, "root", "root"), Access.READ)).isFalse();
    }

    @Test
    void listedUsersAndGroupsMayMutateAndRead() {
        for (Caller c : new Caller[] {user("nova", "nova"), user("alice", "brickd"), user("bob", "bob", "brickd")}) {
            assertThat(auth.allows(c, Access.MUTATE)).as(c.toString()).isTrue();
            assertThat(auth.allows(c, Access.READ)).as(c.toString()).isTrue();
        }
    }

    @Test
    void readOnlyGroupsMayOnlyRead() {
        Caller primary = user("mon", "brickd-ro");
        Caller supplementary = user("mon2", "mon2", "brickd-ro");
        for (Caller c : new Caller[] {primary, supplementary}) {
            assertThat(auth.allows(c, Access.READ)).isTrue();
            assertThat(auth.allows(c, Access.MUTATE)).isFalse();
        }
    }

    @Test
    void everyoneElseIsRefused() {
        Caller eve = user("eve", "users", "wheel");
        assertThat(auth.allows(eve, Access.READ)).isFalse();
        assertThat(auth.allows(eve, Access.MUTATE)).isFalse();
        // A group named like an allowed user is not that user.
        assertThat(auth.allows(user("eve", "nova"), Access.MUTATE)).isFalse();
    }
}
