package dev.herald.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LocalRemovalMarksTest extends RemovalMarksContract {

    @Override
    protected RemovalMarks node() {
        return RemovalMarks.LOCAL;
    }

    /**
     * One node: the dispatcher's own debounce sees a return first, so there is never a mark to
     * clear.
     */
    @Test
    void neverHasAMarkToClear() throws Exception {
        RemovalMarks.LOCAL.mark("app-id|news");

        assertThat(now(RemovalMarks.LOCAL.clear("app-id|news"))).isFalse();
        assertThat(now(RemovalMarks.LOCAL.confirm("app-id|news"))).isTrue();
    }
}
