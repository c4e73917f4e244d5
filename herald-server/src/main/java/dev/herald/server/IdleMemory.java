package dev.herald.server;

import com.sun.management.HotSpotDiagnosticMXBean;
import com.sun.management.VMOption;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes plain {@code java -jar} return the memory an idle server does not use. Under G1's defaults
 * a ramp of new connections leaves the young generation's touched pages resident until a collection
 * that may never come on a quiet server: about 10 KB of resident memory per idle connection where
 * {@code bin/herald}'s serial collector keeps about 3.5 KB (docs/benchmarks.md). On G1, and only
 * for the flags the user left at their defaults, this starts a periodic collection when the heap
 * has been quiet for {@value #PERIODIC_MILLIS} ms and lets the heap shrink to its live size plus a
 * margin after it: the three flags are "manageable", so a running JVM can set them. Busy servers
 * collect anyway and never see the periodic one.
 */
final class IdleMemory {

    static final long PERIODIC_MILLIS = 2_000;

    /** Free heap kept after a collection, as a share of the heap: at least 10 %, at most 30 %. */
    static final int MIN_FREE_PERCENT = 10;

    static final int MAX_FREE_PERCENT = 30;

    /** The JVM's flags as far as this class needs them; a seam for the tests. */
    interface Flags {
        boolean g1();

        /** Whether the flag still has the JVM's default (nobody set it on the command line). */
        boolean isDefault(String name);

        void set(String name, String value);
    }

    private IdleMemory() {}

    /** Sets what it may; returns the flags it set, as {@code name=value}. */
    static List<String> apply(Flags flags) {
        List<String> set = new ArrayList<>();
        if (!flags.g1()) {
            return set;
        }
        // the minimum first: the maximum may never be set below it
        trySet(flags, "MinHeapFreeRatio", Integer.toString(MIN_FREE_PERCENT), set);
        trySet(flags, "MaxHeapFreeRatio", Integer.toString(MAX_FREE_PERCENT), set);
        trySet(flags, "G1PeriodicGCInterval", Long.toString(PERIODIC_MILLIS), set);
        return set;
    }

    private static void trySet(Flags flags, String name, String value, List<String> set) {
        if (!flags.isDefault(name)) {
            return; // the user's choice stands
        }
        try {
            flags.set(name, value);
            set.add(name + "=" + value);
        } catch (IllegalArgumentException e) {
            // refused against a value the user chose for another flag (a minimum above 30 %)
        }
    }

    /** This JVM's flags, or {@code null} when it is not HotSpot. */
    static Flags ofThisJvm() {
        HotSpotDiagnosticMXBean hotSpot =
                ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
        if (hotSpot == null) {
            return null;
        }
        return new Flags() {
            @Override
            public boolean g1() {
                for (GarbageCollectorMXBean collector :
                        ManagementFactory.getGarbageCollectorMXBeans()) {
                    if (collector.getName().startsWith("G1 ")) {
                        return true;
                    }
                }
                return false;
            }

            @Override
            public boolean isDefault(String name) {
                return hotSpot.getVMOption(name).getOrigin() == VMOption.Origin.DEFAULT;
            }

            @Override
            public void set(String name, String value) {
                hotSpot.setVMOption(name, value);
            }
        };
    }
}
