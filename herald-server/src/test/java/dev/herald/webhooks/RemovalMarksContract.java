package dev.herald.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What every {@link RemovalMarks} does on one node: a removal nobody came back from goes ahead, and
 * a return with nothing pending cancels nothing. Extended by {@code LocalRemovalMarksTest}; engines
 * shared by nodes extend {@link SharedRemovalMarksContract}.
 */
public abstract class RemovalMarksContract {

    /** One node's marks; the subclass cleans up after the test. */
    protected abstract RemovalMarks node() throws Exception;

    /**
     * Waits until the node's marks so far are visible to every node (nothing to wait for
     * in-process).
     */
    protected void landed(RemovalMarks node) throws Exception {}

    protected static boolean now(CompletionStage<Boolean> answer) throws Exception {
        return answer.toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void letsARemovalNobodyCameBackFromGoAhead() throws Exception {
        RemovalMarks marks = node();

        marks.mark("app-id|presence-room|alice");
        landed(marks);

        assertThat(now(marks.confirm("app-id|presence-room|alice"))).isTrue();
    }

    @Test
    void cancelsNothingWhenNothingWasPending() throws Exception {
        RemovalMarks marks = node();

        assertThat(now(marks.clear("app-id|news"))).isFalse();
    }

    @Test
    void keepsMarksApart() throws Exception {
        RemovalMarks marks = node();

        marks.mark("app-id|news");
        marks.mark("app-id|presence-room|alice");
        landed(marks);

        assertThat(now(marks.clear("app-id|sport"))).isFalse();
        assertThat(now(marks.clear("app-id|presence-room|bob"))).isFalse();
        assertThat(now(marks.confirm("app-id|news"))).isTrue();
        assertThat(now(marks.confirm("app-id|presence-room|alice"))).isTrue();
    }
}
