package dev.herald.server;

import picocli.CommandLine.IVersionProvider;

/** {@code herald --version}: the version the jar was built as, and the Java it runs on. */
public final class Version implements IVersionProvider {

    /** The build's version from the jar's manifest; classes run outside the jar have none. */
    public static String of() {
        String version = Version.class.getPackage().getImplementationVersion();
        return version == null ? "development build" : version;
    }

    @Override
    public String[] getVersion() {
        return new String[] {
            "Herald " + of(),
            "Java "
                    + System.getProperty("java.version")
                    + " ("
                    + System.getProperty("java.vm.name")
                    + ")"
        };
    }
}
