package dev.herald.webhooks;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Lets the webhook debounce span nodes: a node that is about to report a channel vacated (or a
 * member removed) leaves a mark; a node that sees the channel re-occupied (or the member back)
 * within the debounce clears it, and then neither event is sent. Keys name the channel and, for
 * members, the user.
 */
public interface RemovalMarks {

    /** One node: the in-process debounce is all there is. */
    RemovalMarks LOCAL =
            new RemovalMarks() {
                @Override
                public void mark(String key) {}

                @Override
                public CompletionStage<Boolean> clear(String key) {
                    return CompletableFuture.completedFuture(false);
                }

                @Override
                public CompletionStage<Boolean> confirm(String key) {
                    return CompletableFuture.completedFuture(true);
                }
            };

    /** A removal is pending here. */
    void mark(String key);

    /** A return: removes any node's mark; true if there was one (that removal is cancelled). */
    CompletionStage<Boolean> clear(String key);

    /** The debounce is over: true (and the mark removed) if this node's mark is still there. */
    CompletionStage<Boolean> confirm(String key);
}
