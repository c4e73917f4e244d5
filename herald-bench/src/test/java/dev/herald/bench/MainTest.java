package dev.herald.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MainTest {
    @Test
    void aDryRunChecksTheFlagsAgainstTheTargetWithoutConnecting() {
        // nothing listens on port 1: a dry run must not try
        assertThat(
                        Main.commandLine()
                                .execute("fanout", "-p", "1", "--target", "nchan", "--dry-run"))
                .isZero();
        assertThat(Main.commandLine().execute("idle", "-p", "1", "--target", "NCHAN", "--dry-run"))
                .isZero();
        assertThat(
                        Main.commandLine()
                                .execute("presence", "-p", "1", "--target", "nchan", "--dry-run"))
                .isEqualTo(2);
        assertThat(
                        Main.commandLine()
                                .execute(
                                        "client-events",
                                        "-p",
                                        "1",
                                        "--target",
                                        "nchan",
                                        "--dry-run"))
                .isEqualTo(2);
        assertThat(Main.commandLine().execute("presence", "-p", "1", "--dry-run")).isZero();
        assertThat(Main.commandLine().execute("fanout", "--target", "mqtt", "--dry-run"))
                .isEqualTo(2);
    }

    @Test
    void aStormDryRunRefusesAPidThatIsNotOneOfTheNodes() throws Exception {
        // a live process that listens on nothing: never taken for a node, never signalled
        Process sleeper = new ProcessBuilder("sleep", "30").start();
        try {
            assertThat(
                            Main.commandLine()
                                    .execute(
                                            "reconnect-storm",
                                            "--ports",
                                            "1,2",
                                            "--storm",
                                            "kill",
                                            "--storm-node-pid",
                                            Long.toString(sleeper.pid()),
                                            "--dry-run"))
                    .isEqualTo(2);
            assertThat(sleeper.isAlive()).isTrue();
            assertThat(Main.commandLine().execute("reconnect-storm", "--ports", "1,2", "--dry-run"))
                    .isEqualTo(2);
        } finally {
            sleeper.destroyForcibly().waitFor();
        }
    }
}
