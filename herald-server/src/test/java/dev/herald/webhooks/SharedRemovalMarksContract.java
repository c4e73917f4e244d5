package dev.herald.webhooks;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * What {@link RemovalMarks} shared by nodes do on top of {@link RemovalMarksContract}: each call of
 * {@link #node} is another node, and a return on any node cancels a removal pending on any other.
 * Extended by {@code RedisRemovalMarksTest}.
 */
public abstract class SharedRemovalMarksContract extends RemovalMarksContract {

    /**
     * How long a mark lasts unconfirmed in {@link #nodeWithMarksLasting}: short, as time really
     * passes.
     */
    protected static final Duration SHORT_LIFETIME = Duration.ofSeconds(1);

    /** A node whose marks vanish after {@code lifetime} unless confirmed (their node died). */
    protected abstract RemovalMarks nodeWithMarksLasting(Duration lifetime) throws Exception;

    @Test
    void aReturnOnAnotherNodeCancelsTheRemoval() throws Exception {
        RemovalMarks leaving = node();
        RemovalMarks returning = node();

        leaving.mark("app-id|presence-room|alice");
        landed(leaving);

        assertThat(now(returning.clear("app-id|presence-room|alice"))).isTrue();
        assertThat(now(leaving.confirm("app-id|presence-room|alice"))).isFalse();
    }

    @Test
    void aReturnOnTheSameNodeCancelsTheRemoval() throws Exception {
        RemovalMarks marks = node();

        marks.mark("app-id|news");

        assertThat(now(marks.clear("app-id|news"))).isTrue();
        assertThat(now(marks.confirm("app-id|news"))).isFalse();
    }

    @Test
    void aConfirmedRemovalIsNoLongerPending() throws Exception {
        RemovalMarks leaving = node();
        RemovalMarks returning = node();
        leaving.mark("app-id|news");
        landed(leaving);

        assertThat(now(leaving.confirm("app-id|news"))).isTrue();

        assertThat(now(returning.clear("app-id|news"))).isFalse();
        assertThat(now(leaving.confirm("app-id|news"))).isFalse();
    }

    @Test
    void onlyTheLastNodeToMarkReportsTheRemoval() throws Exception {
        RemovalMarks first = node();
        RemovalMarks last = node();
        first.mark("app-id|news");
        landed(first);
        last.mark("app-id|news");
        landed(last);

        assertThat(now(first.confirm("app-id|news"))).isFalse();
        assertThat(now(last.confirm("app-id|news"))).isTrue();
    }

    @Test
    void forgetsTheMarkOfANodeThatNeverConfirmed() throws Exception {
        RemovalMarks died = nodeWithMarksLasting(SHORT_LIFETIME);
        RemovalMarks returning = node();
        died.mark("app-id|news");
        landed(died);

        Thread.sleep(SHORT_LIFETIME.toMillis() + 500);

        assertThat(now(returning.clear("app-id|news"))).isFalse();
    }
}
