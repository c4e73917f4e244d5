package dev.herald.console;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ConsoleKeyTest {

    static final long NOW = 1_764_900_000_000L;

    @Test
    void aLinkSignsInOnceAndOnlyWithinTenMinutes() {
        ConsoleKey key = ConsoleKey.generated();
        String link = key.newLink(NOW);

        assertThat(key.useLink(link, NOW + 1_000)).isTrue();
        assertThat(key.useLink(link, NOW + 2_000)).isFalse();

        String late = key.newLink(NOW);
        assertThat(key.useLink(late, NOW + ConsoleKey.LINK_MILLIS)).isFalse();
        assertThat(key.useLink(late, NOW + ConsoleKey.LINK_MILLIS - 1)).isTrue();
    }

    @Test
    void aLinkOfAnotherKeyOrTamperedWithIsRefused() {
        ConsoleKey key = ConsoleKey.generated();
        String other = ConsoleKey.generated().newLink(NOW);
        String link = key.newLink(NOW);
        String body = link.substring(0, link.indexOf('.'));
        // a later expiry under the old signature
        String stretched =
                body.substring(0, body.length() - 2) + "AA" + link.substring(link.indexOf('.'));

        assertThat(key.useLink(other, NOW)).isFalse();
        assertThat(key.useLink(stretched, NOW)).isFalse();
        assertThat(key.useLink("x".repeat(10_000), NOW)).isFalse();
        assertThat(key.useLink("no-dot", NOW)).isFalse();
        assertThat(key.useLink(null, NOW)).isFalse();
        assertThat(key.useLink(link, NOW)).isTrue();
    }

    @Test
    void usedLinksAreBoundedAndNeverForgottenWhileTheyCouldWork() {
        ConsoleKey key = ConsoleKey.generated();
        String first = key.newLink(NOW);
        assertThat(key.useLink(first, NOW)).isTrue();
        for (int i = 1; i < ConsoleKey.MAX_USED_LINKS; i++) {
            assertThat(key.useLink(key.newLink(NOW), NOW)).isTrue();
        }
        // full: a new link is refused rather than forgetting one that is still valid
        assertThat(key.useLink(key.newLink(NOW), NOW + 1)).isFalse();
        assertThat(key.useLink(first, NOW + 1)).isFalse();
        // once the used ones have expired there is room again
        long later = NOW + ConsoleKey.LINK_MILLIS;
        assertThat(key.useLink(key.newLink(later), later)).isTrue();
    }

    @Test
    void theCookieAndCsrfValueFollowTheTokenAndNeverContainIt() {
        ConsoleKey a = ConsoleKey.ofToken("token-aaaaaaaaaaaaaaaa");
        ConsoleKey sameToken = ConsoleKey.ofToken("token-aaaaaaaaaaaaaaaa");
        ConsoleKey changed = ConsoleKey.ofToken("token-bbbbbbbbbbbbbbbb");

        assertThat(sameToken.isCookie(a.cookieValue())).isTrue();
        assertThat(changed.isCookie(a.cookieValue())).isFalse();
        assertThat(a.cookieValue()).doesNotContain("token-").isNotEqualTo(a.csrfValue());
        assertThat(a.isCsrf(a.cookieValue())).isFalse();
        assertThat(a.isToken("token-aaaaaaaaaaaaaaaa")).isTrue();
        assertThat(a.isToken("token-aaaaaaaaaaaaaaa")).isFalse();
        // a node with a generated key has no token to match
        assertThat(ConsoleKey.generated().isToken("")).isFalse();
    }

    @Test
    void aRestartedNodesNewKeySignsEveryBrowserOut() {
        ConsoleKey before = ConsoleKey.generated();
        ConsoleKey fromFile = ConsoleKey.ofKeyText(before.keyText());
        ConsoleKey after = ConsoleKey.generated();

        assertThat(fromFile.isCookie(before.cookieValue())).isTrue();
        assertThat(after.isCookie(before.cookieValue())).isFalse();
    }
}
