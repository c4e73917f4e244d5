package dev.herald.activity;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;

class LocalStatsHistoryTest extends StatsHistoryContract {

    private final List<StatsHistory> histories = new ArrayList<>();

    @Override
    protected StatsHistory history() {
        StatsHistory history = new LocalStatsHistory().start();
        histories.add(history);
        return history;
    }

    @AfterEach
    void close() {
        histories.forEach(StatsHistory::close);
    }
}
