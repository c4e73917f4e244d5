package dev.herald.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.Architectures.LayeredArchitecture;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The structure docs/architecture.md draws, checked on the compiled classes: vendors stay behind
 * their engines, Herald's packages form no cycle, and every dependency points down the layer order.
 * No rule is frozen or ignored: a violation fails the build.
 */
class ArchitectureTest {

    /**
     * Herald's packages, top to bottom. A package may depend on packages in its own row or in rows
     * below it, never above. Packages in one row do not depend on each other (the cycle rule would
     * catch a pair that did both ways). Keep in step with docs/architecture.md.
     */
    static final List<List<String>> LAYERS =
            List.of(
                    List.of("server"),
                    List.of("console"),
                    List.of("config"),
                    List.of("http", "redis"),
                    List.of("session", "webhooks"),
                    List.of("hub"),
                    List.of("broker", "cache"),
                    List.of("cluster", "history"),
                    List.of("observers", "activity"),
                    List.of("transport", "auth", "limits", "metrics"),
                    List.of("protocol", "apps"),
                    List.of("settings"),
                    List.of("internal"));

    /**
     * The server's classes only: {@code herald-clients} (a test dependency, as a jar or its
     * module's classes) shares the {@code dev.herald} prefix but is no part of the server.
     */
    private static final ImportOption NOT_THE_CLIENTS_MODULE =
            location ->
                    !location.contains("/herald-clients/")
                            && !location.contains("/herald-clients-");

    private static final JavaClasses HERALD =
            new ClassFileImporter()
                    .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                    .withImportOption(NOT_THE_CLIENTS_MODULE)
                    .importPackages("dev.herald");

    @Test
    void scansTheCompiledServer() {
        assertThat(HERALD.containPackage("dev.herald.protocol")).isTrue();
        assertThat(HERALD.contain("dev.herald.server.HeraldServer")).isTrue();
        assertThat(HERALD.contain("dev.herald.clients.HeraldRecovery")).isFalse();
        List<String> all = new ArrayList<>();
        LAYERS.forEach(all::addAll);
        // every package is placed in the order, so none escapes the layer rule
        HERALD.forEach(
                c ->
                        assertThat(all)
                                .as("layer of %s", c.getName())
                                .contains(
                                        c.getPackageName()
                                                .replaceFirst("^dev\\.herald\\.", "")
                                                .replaceFirst("\\..*", "")));
    }

    @Test
    void lettuceIsUsedOnlyInTheRedisPackage() {
        noClasses()
                .that()
                .resideOutsideOfPackage("dev.herald.redis..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("io.lettuce..")
                .check(HERALD);
    }

    /**
     * The Redis engines are wired by the composition root and reached only through the interfaces.
     */
    @Test
    void onlyTheServerUsesTheRedisEngines() {
        noClasses()
                .that()
                .resideOutsideOfPackages("dev.herald.redis..", "dev.herald.server..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.herald.redis..")
                .check(HERALD);
    }

    @Test
    void jdbcIsUsedOnlyInTheJdbcPackage() {
        noClasses()
                .that()
                .resideOutsideOfPackage("dev.herald.apps.jdbc..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("java.sql..")
                .check(HERALD);
    }

    @Test
    void protocolKnowsNoNettyChannels() {
        noClasses()
                .that()
                .resideInAPackage("dev.herald.protocol..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("io.netty.channel..")
                .check(HERALD);
    }

    @Test
    void packagesFormNoCycles() {
        slices().matching("dev.herald.(*)..").should().beFreeOfCycles().check(HERALD);
    }

    @Test
    void dependenciesPointDownTheLayers() {
        layers().check(HERALD);
    }

    /** {@link #LAYERS} as an ArchUnit rule: each row may be used only by the rows above it. */
    static LayeredArchitecture layers() {
        LayeredArchitecture rule = layeredArchitecture().consideringOnlyDependenciesInLayers();
        for (List<String> row : LAYERS) {
            for (String name : row) {
                rule = rule.layer(name).definedBy("dev.herald." + name + "..");
            }
        }
        List<String> above = new ArrayList<>();
        for (List<String> row : LAYERS) {
            for (String name : row) {
                rule =
                        above.isEmpty()
                                ? rule.whereLayer(name).mayNotBeAccessedByAnyLayer()
                                : rule.whereLayer(name)
                                        .mayOnlyBeAccessedByLayers(above.toArray(new String[0]));
            }
            above.addAll(row);
        }
        return rule;
    }
}
