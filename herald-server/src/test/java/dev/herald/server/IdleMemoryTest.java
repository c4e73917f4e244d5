package dev.herald.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IdleMemoryTest {

    /** HotSpot's rules for the three flags, as far as they matter here. */
    private static final class FakeFlags implements IdleMemory.Flags {
        final boolean g1;
        final Set<String> userSet;
        final Map<String, Integer> values =
                new HashMap<>(
                        Map.of(
                                "MinHeapFreeRatio",
                                40,
                                "MaxHeapFreeRatio",
                                70,
                                "G1PeriodicGCInterval",
                                0));

        FakeFlags(boolean g1, Map<String, Integer> user) {
            this.g1 = g1;
            this.userSet = user.keySet();
            values.putAll(user);
        }

        @Override
        public boolean g1() {
            return g1;
        }

        @Override
        public boolean isDefault(String name) {
            return !userSet.contains(name);
        }

        @Override
        public void set(String name, String value) {
            int v = Integer.parseInt(value);
            if (name.equals("MaxHeapFreeRatio") && v < values.get("MinHeapFreeRatio")
                    || name.equals("MinHeapFreeRatio") && v > values.get("MaxHeapFreeRatio")) {
                throw new IllegalArgumentException("MinHeapFreeRatio must be <= MaxHeapFreeRatio");
            }
            values.put(name, v);
        }
    }

    @Test
    void onG1WithDefaultsItCollectsWhenQuietAndLetsTheHeapShrink() {
        FakeFlags flags = new FakeFlags(true, Map.of());

        assertThat(IdleMemory.apply(flags))
                .containsExactly(
                        "MinHeapFreeRatio=10", "MaxHeapFreeRatio=30", "G1PeriodicGCInterval=2000");
        assertThat(flags.values)
                .containsEntry("G1PeriodicGCInterval", 2000)
                .containsEntry("MaxHeapFreeRatio", 30);
    }

    @Test
    void leavesOtherCollectorsAlone() {
        FakeFlags flags = new FakeFlags(false, Map.of());

        assertThat(IdleMemory.apply(flags)).isEmpty();
        assertThat(flags.values).containsEntry("G1PeriodicGCInterval", 0);
    }

    @Test
    void whatTheUserSetStands() {
        FakeFlags flags =
                new FakeFlags(true, Map.of("G1PeriodicGCInterval", 0, "MinHeapFreeRatio", 50));

        // the user's minimum of 50 % leaves no room for a maximum of 30 %: that one is skipped too
        assertThat(IdleMemory.apply(flags)).isEmpty();
        assertThat(flags.values)
                .containsEntry("G1PeriodicGCInterval", 0)
                .containsEntry("MinHeapFreeRatio", 50)
                .containsEntry("MaxHeapFreeRatio", 70);
    }
}
