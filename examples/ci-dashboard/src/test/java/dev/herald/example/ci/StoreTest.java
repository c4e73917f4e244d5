package dev.herald.example.ci;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.example.ci.Model.Build;
import dev.herald.example.ci.Model.LogLine;
import dev.herald.example.ci.Model.Project;
import dev.herald.example.ci.Model.Status;
import dev.herald.example.ci.Model.User;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class StoreTest {
    private Store store;

    @BeforeEach
    void open() throws Exception {
        store =
                new Store(
                        "jdbc:h2:mem:store-test-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1",
                        "",
                        "");
        store.open();
        assertThat(DemoData.seedIfEmpty(store)).isTrue();
        assertThat(DemoData.seedIfEmpty(store)).as("second seeding is a no-op").isFalse();
    }

    @AfterEach
    void close() {
        store.close();
    }

    private long project(String name) throws Exception {
        return store.projectByName(name).orElseThrow().id();
    }

    private User user(String login) throws Exception {
        return store.userByLogin(login).orElseThrow();
    }

    @Test
    void accessFollowsTheDemoMatrix() throws Exception {
        User carol = user("carol");
        assertThat(store.projectsOf(carol.id()))
                .extracting(Project::name)
                .containsExactly("payments-api");
        assertThat(store.projectsOf(user("alice").id()))
                .extracting(Project::name)
                .containsExactly("herald-server", "payments-api", "web-frontend");
        assertThat(store.canAccessProject(carol.id(), project("payments-api"))).isTrue();
        assertThat(store.canAccessProject(carol.id(), project("herald-server"))).isFalse();

        Build b =
                store.createBuild(
                        project("herald-server"), "main", "abc1234", "msg", "Alice", 1000L);
        assertThat(store.canAccessBuild(carol.id(), b.id())).isFalse();
        assertThat(store.canAccessBuild(user("alice").id(), b.id())).isTrue();
        assertThat(store.canAccessBuild(carol.id(), 999_999)).isFalse();
    }

    @Test
    void buildsAreNumberedPerProjectAndCarryTheirOutput() throws Exception {
        long pid = project("mobile-app");
        int before = store.buildsOfProject(pid, 100).size();
        Build a = store.createBuild(pid, "main", "aaaaaaa", "first", "Bob", 10_000L);
        Build b = store.createBuild(pid, "main", "bbbbbbb", "second", "Bob", 11_000L);
        assertThat(b.number()).isEqualTo(a.number() + 1).isEqualTo(before + 2);
        assertThat(a.status()).isEqualTo(Status.running);
        assertThat(a.finishedAt()).isNull();

        List<LogLine> first = store.appendLines(a.id(), List.of("one", "two"), 12_000L);
        List<LogLine> second = store.appendLines(a.id(), List.of("three"), 13_000L);
        assertThat(first).extracting(LogLine::n).containsExactly(1, 2);
        assertThat(second).extracting(LogLine::n).containsExactly(3);
        assertThat(store.linesAfter(a.id(), 1))
                .extracting(LogLine::text)
                .containsExactly("two", "three");
        assertThat(store.build(a.id()).orElseThrow().lineCount()).isEqualTo(3);

        Build done = store.finish(a.id(), Status.failed, 14_000L);
        assertThat(done.status()).isEqualTo(Status.failed);
        assertThat(done.finishedAt()).isEqualTo(14_000L);
        assertThat(done.updatedAt()).isEqualTo(14_000L);
    }

    @Test
    void buildsLeftRunningByAnEarlierProcessAreFailedAtStartup() throws Exception {
        Build b =
                store.createBuild(
                        project("web-frontend"), "main", "ccccccc", "orphan", "Bob", 20_000L);
        assertThat(store.failAbandonedBuilds(30_000L)).isEqualTo(1);
        Build after = store.build(b.id()).orElseThrow();
        assertThat(after.status()).isEqualTo(Status.failed);
        assertThat(after.finishedAt()).isEqualTo(30_000L);
        assertThat(store.failAbandonedBuilds(40_000L)).isZero();
    }

    @Test
    void recentAndChangedSinceOnlyCoverTheUsersProjects() throws Exception {
        User carol = user("carol");
        long now = System.currentTimeMillis() + 60_000;
        Build mine =
                store.createBuild(project("payments-api"), "main", "1111111", "mine", "Carol", now);
        Build other =
                store.createBuild(
                        project("herald-server"), "main", "2222222", "other", "Alice", now);

        List<Build> recent = store.recentBuildsFor(carol.id(), 10);
        assertThat(recent)
                .hasSizeLessThanOrEqualTo(10)
                .first()
                .extracting(Build::id)
                .isEqualTo(mine.id());
        assertThat(recent).allMatch(b -> b.projectName().equals("payments-api"));

        assertThat(store.buildsChangedSince(carol.id(), null, now, 50))
                .extracting(Build::id)
                .containsExactly(mine.id());
        assertThat(store.buildsChangedSince(user("alice").id(), null, now, 50))
                .extracting(Build::id)
                .containsExactly(other.id(), mine.id());
        assertThat(store.buildsChangedSince(user("alice").id(), project("herald-server"), now, 50))
                .extracting(Build::id)
                .containsExactly(other.id());

        assertThat(store.latestBuildPerProject(carol.id()))
                .extracting(Build::id)
                .containsExactly(mine.id());
    }
}
