package dev.herald.compat;

import dev.herald.testing.HeraldProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The operations side of a Herald process, read the way Prometheus and a load balancer read it:
 * plain GETs of {@code /metrics}, {@code /health} and {@code /ready}, and a parser for the
 * Prometheus text format.
 */
final class Ops {

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final Pattern SAMPLE =
            Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})?\\s+(\\S+)(?:\\s+\\d+)?$");
    private static final Pattern LABEL =
            Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private Ops() {}

    /** A plain GET; the status code, or -1 when the connection is refused or fails. */
    static int status(URI uri) {
        try {
            return HTTP.send(
                            HttpRequest.newBuilder(uri)
                                    .timeout(Duration.ofSeconds(2))
                                    .GET()
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** GETs {@code /metrics} on the operations port; fails unless it answers 200. */
    static Metrics scrape(HeraldProcess herald) {
        try {
            HttpResponse<String> response =
                    HTTP.send(
                            HttpRequest.newBuilder(herald.ops("/metrics"))
                                    .timeout(Duration.ofSeconds(5))
                                    .GET()
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new AssertionError(
                        "/metrics answered " + response.statusCode() + ": " + response.body());
            }
            return Metrics.parse(response.body());
        } catch (IOException e) {
            throw new AssertionError("/metrics unreachable", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** One sample: a metric name, its labels, its value. */
    record Sample(String name, Map<String, String> labels, double value) {}

    /** A parsed Prometheus text exposition. */
    static final class Metrics {
        final String text;
        final List<Sample> samples;

        private Metrics(String text, List<Sample> samples) {
            this.text = text;
            this.samples = samples;
        }

        static Metrics parse(String text) {
            List<Sample> samples = new ArrayList<>();
            for (String line : text.split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                Matcher m = SAMPLE.matcher(line.trim());
                if (!m.matches()) {
                    throw new AssertionError("not a Prometheus sample line: " + line);
                }
                Map<String, String> labels = new LinkedHashMap<>();
                if (m.group(2) != null) {
                    Matcher l = LABEL.matcher(m.group(2));
                    while (l.find()) {
                        labels.put(l.group(1), l.group(2));
                    }
                }
                samples.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(3))));
            }
            return new Metrics(text, samples);
        }

        /** The samples of that name whose labels include all of {@code labels}. */
        List<Sample> series(String name, Map<String, String> labels) {
            List<Sample> matching = new ArrayList<>();
            for (Sample s : samples) {
                if (s.name().equals(name) && s.labels().entrySet().containsAll(labels.entrySet())) {
                    matching.add(s);
                }
            }
            return matching;
        }

        /**
         * The value of the one series of that name with those labels; fails when there is none or
         * several.
         */
        double value(String name, Map<String, String> labels) {
            List<Sample> matching = series(name, labels);
            if (matching.size() != 1) {
                throw new AssertionError(
                        "expected one series "
                                + name
                                + labels
                                + ", found "
                                + matching
                                + "; herald_ series present: "
                                + names());
            }
            return matching.get(0).value();
        }

        /**
         * Like {@link #value} but 0 when the series does not exist (a counter never incremented).
         */
        double valueOrZero(String name, Map<String, String> labels) {
            List<Sample> matching = series(name, labels);
            return matching.isEmpty() ? 0 : value(name, labels);
        }

        /**
         * The sum over every series of that name whose labels include {@code labels} (0 when none).
         */
        double sum(String name, Map<String, String> labels) {
            return series(name, labels).stream().mapToDouble(Sample::value).sum();
        }

        List<String> names() {
            return samples.stream()
                    .map(Sample::name)
                    .filter(n -> n.startsWith("herald_"))
                    .distinct()
                    .sorted()
                    .toList();
        }
    }
}
