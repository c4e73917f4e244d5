package dev.herald.hub;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SocketIdsTest {

    @Test
    void idsItMakesAreValidAndDistinct() {
        SocketIds ids = new SocketIds();
        String first = ids.next();
        assertThat(SocketIds.isValid(first)).isTrue();
        assertThat(ids.next()).isNotEqualTo(first).startsWith(ids.node() + ".");
    }

    @Test
    void refusesWhatIsNotShapedLikeASocketId() {
        for (String bad : new String[] {null, "", "1", "1.", ".1", "1.2.3", "a.1", "1.b", "1 .2"}) {
            assertThat(SocketIds.isValid(bad)).as("%s", bad).isFalse();
        }
    }

    @Test
    void refusesIdsLongerThanAnyItCouldHaveMade() {
        String longest = Long.MAX_VALUE + "." + Long.MAX_VALUE;
        assertThat(SocketIds.isValid(longest)).isTrue();
        assertThat(SocketIds.isValid("1." + "9".repeat(SocketIds.MAX_LENGTH - 1))).isFalse();
        assertThat(SocketIds.isValid("1." + "9".repeat(100_000))).isFalse();
    }
}
