package dev.herald.bench.run;

/** Where a phase starts on the timeline (seconds since the run started). */
public record PhaseMark(double t, String name) {}
