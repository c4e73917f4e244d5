package dev.herald.settings;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The setting types: numbers, switches, text, paths, durations in seconds, lists of text, choices.
 */
public final class Types {

    public static final ObjectMapper JSON = new ObjectMapper();

    private Types() {}

    public static final SettingType<Integer> INT =
            new SettingType<>() {
                @Override
                public String requirement() {
                    return "a whole number";
                }

                @Override
                public Class<?> flagType() {
                    return int.class;
                }

                @Override
                public Integer fromFlag(Object raw, String where) {
                    return (Integer) raw;
                }

                @Override
                public Integer fromYaml(JsonNode node, String where) {
                    if (!node.isIntegralNumber() || !node.canConvertToInt()) {
                        throw refused(where, requirement(), node);
                    }
                    return node.asInt();
                }

                @Override
                public Integer fromText(String text, String where) {
                    try {
                        return Integer.parseInt(text.trim());
                    } catch (NumberFormatException e) {
                        throw refusedText(where, requirement(), text);
                    }
                }

                @Override
                public String text(Integer value) {
                    return String.valueOf(value);
                }

                @Override
                public Storage storage() {
                    return Storage.INTEGER;
                }

                @Override
                public Object toStored(Integer value) {
                    return value;
                }

                @Override
                public Integer fromStored(Object stored, String where) {
                    return (Integer) stored;
                }
            };

    public static final SettingType<Long> LONG =
            new SettingType<>() {
                @Override
                public String requirement() {
                    return "a whole number";
                }

                @Override
                public Class<?> flagType() {
                    return long.class;
                }

                @Override
                public Long fromFlag(Object raw, String where) {
                    return (Long) raw;
                }

                @Override
                public String text(Long value) {
                    return String.valueOf(value);
                }
            };

    public static final SettingType<Double> DOUBLE =
            new SettingType<>() {
                @Override
                public String requirement() {
                    return "a number";
                }

                @Override
                public Class<?> flagType() {
                    return double.class;
                }

                @Override
                public Double fromFlag(Object raw, String where) {
                    return (Double) raw;
                }

                @Override
                public String text(Double value) {
                    // NaN and the infinities are given (picocli reads them), and must be
                    // quoted when refused
                    if (!Double.isFinite(value)) {
                        return String.valueOf(value);
                    }
                    return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
                }
            };

    public static final SettingType<Boolean> BOOLEAN =
            new SettingType<>() {
                @Override
                public String requirement() {
                    return "true or false";
                }

                @Override
                public Class<?> flagType() {
                    return boolean.class;
                }

                @Override
                public Boolean fromFlag(Object raw, String where) {
                    return (Boolean) raw;
                }

                @Override
                public Boolean fromYaml(JsonNode node, String where) {
                    if (!node.isBoolean()) {
                        throw refused(where, requirement(), node);
                    }
                    return node.asBoolean();
                }

                @Override
                public Boolean fromText(String text, String where) {
                    return switch (text.trim().toLowerCase(Locale.ROOT)) {
                        case "true" -> true;
                        case "false" -> false;
                        default -> throw refusedText(where, requirement(), text);
                    };
                }

                @Override
                public String text(Boolean value) {
                    return String.valueOf(value);
                }

                @Override
                public Storage storage() {
                    return Storage.BOOLEAN;
                }

                @Override
                public Object toStored(Boolean value) {
                    return value;
                }

                @Override
                public Boolean fromStored(Object stored, String where) {
                    return (Boolean) stored;
                }
            };

    /** Text as given; in the apps file, a non-empty string. */
    public static final SettingType<String> STRING =
            new SettingType<>() {
                @Override
                public String requirement() {
                    return "a non-empty string";
                }

                @Override
                public Class<?> flagType() {
                    return String.class;
                }

                @Override
                public String fromFlag(Object raw, String where) {
                    return (String) raw;
                }

                @Override
                public String fromYaml(JsonNode node, String where) {
                    if (!node.isValueNode() || node.asText().isEmpty()) {
                        throw new IllegalArgumentException(
                                where + " is required and must be " + requirement());
                    }
                    return node.asText();
                }

                @Override
                public String text(String value) {
                    return value;
                }

                @Override
                public Storage storage() {
                    return Storage.VARCHAR;
                }

                @Override
                public Object toStored(String value) {
                    return value;
                }

                @Override
                public String fromStored(Object stored, String where) {
                    return (String) stored;
                }
            };

    /** Optional text, trimmed: blank means not set ({@code null}). */
    public static final SettingType<String> OPTIONAL_STRING =
            new SettingType<>() {
                @Override
                public String requirement() {
                    return "a string";
                }

                @Override
                public Class<?> flagType() {
                    return String.class;
                }

                @Override
                public String fromFlag(Object raw, String where) {
                    return raw == null || ((String) raw).isBlank() ? null : ((String) raw).trim();
                }

                @Override
                public String text(String value) {
                    return value;
                }
            };

    public static final SettingType<Path> PATH =
            new SettingType<>() {
                @Override
                public String requirement() {
                    return "a file";
                }

                @Override
                public Class<?> flagType() {
                    return Path.class;
                }

                @Override
                public Path fromFlag(Object raw, String where) {
                    return (Path) raw;
                }

                @Override
                public String text(Path value) {
                    return String.valueOf(value);
                }
            };

    /**
     * A positive duration written in seconds, with millisecond precision: {@code 1800}, {@code
     * 0.25}. In the table, {@code NUMERIC(12,3)}.
     */
    public static final SettingType<Duration> SECONDS =
            new SettingType<>() {
                @Override
                public String requirement() {
                    return "a positive number of seconds";
                }

                @Override
                public Class<?> flagType() {
                    return double.class;
                }

                @Override
                public Duration fromFlag(Object raw, String where) {
                    double seconds = (Double) raw;
                    if (!(seconds > 0)) {
                        throw refused(where, requirement(), raw);
                    }
                    return Duration.ofMillis(Math.round(seconds * 1000));
                }

                @Override
                public Duration fromYaml(JsonNode node, String where) {
                    if (!node.isNumber() || node.asDouble() <= 0) {
                        throw refused(where, requirement(), node);
                    }
                    return Duration.ofMillis(Math.round(node.asDouble() * 1000));
                }

                @Override
                public Duration fromText(String text, String where) {
                    try {
                        BigDecimal seconds = new BigDecimal(text.trim());
                        if (seconds.signum() <= 0) {
                            throw new NumberFormatException();
                        }
                        return millis(seconds);
                    } catch (NumberFormatException | ArithmeticException e) {
                        throw refusedText(where, requirement(), text);
                    }
                }

                @Override
                public String text(Duration value) {
                    return BigDecimal.valueOf(value.toMillis(), 3)
                            .stripTrailingZeros()
                            .toPlainString();
                }

                @Override
                public Storage storage() {
                    return Storage.SECONDS;
                }

                @Override
                public Object toStored(Duration value) {
                    return BigDecimal.valueOf(value.toMillis(), 3);
                }

                @Override
                public Duration fromStored(Object stored, String where) {
                    BigDecimal seconds = (BigDecimal) stored;
                    if (seconds.signum() <= 0) {
                        throw refused(where, requirement(), seconds.toPlainString());
                    }
                    return millis(seconds);
                }

                private Duration millis(BigDecimal seconds) {
                    return Duration.ofMillis(
                            seconds.movePointRight(3)
                                    .setScale(0, RoundingMode.HALF_UP)
                                    .longValueExact());
                }
            };

    /**
     * A list of non-empty strings: comma-separated on the command line and in {@code --set}, a list
     * in the apps file, a JSON array in the table. Empty entries are dropped from text.
     */
    public static final SettingType<List<String>> STRINGS =
            new SettingType<>() {
                @Override
                public String requirement() {
                    return "a list of strings";
                }

                @Override
                public Class<?> flagType() {
                    return List.class;
                }

                @Override
                public Class<?> flagElementType() {
                    return String.class;
                }

                @Override
                @SuppressWarnings("unchecked")
                public List<String> fromFlag(Object raw, String where) {
                    return raw == null
                            ? List.of()
                            : ((List<String>) raw)
                                    .stream().map(String::trim).filter(v -> !v.isEmpty()).toList();
                }

                @Override
                public List<String> fromYaml(JsonNode node, String where) {
                    if (!node.isArray()) {
                        throw new IllegalArgumentException(where + " must be " + requirement());
                    }
                    List<String> values = new ArrayList<>();
                    for (JsonNode value : node) {
                        if (!value.isTextual() || value.asText().isBlank()) {
                            throw new IllegalArgumentException(
                                    where + " must hold non-empty strings, got " + value);
                        }
                        values.add(value.asText());
                    }
                    return values;
                }

                @Override
                public List<String> fromText(String text, String where) {
                    return Arrays.stream(text.split(","))
                            .map(String::trim)
                            .filter(v -> !v.isEmpty())
                            .toList();
                }

                @Override
                public String text(List<String> value) {
                    return String.join(",", value);
                }

                @Override
                public Storage storage() {
                    return Storage.TEXT;
                }

                @Override
                public Object toStored(List<String> value) {
                    ArrayNode array = JSON.createArrayNode();
                    value.forEach(array::add);
                    return array.toString();
                }

                @Override
                public List<String> fromStored(Object stored, String where) {
                    String text = (String) stored;
                    JsonNode root = parseJson(text, where);
                    if (root == null) {
                        return List.of();
                    }
                    List<String> values = new ArrayList<>();
                    boolean ok = root.isArray();
                    for (JsonNode value : root) {
                        ok &= value.isTextual() && !value.asText().isBlank();
                        values.add(value.asText());
                    }
                    if (!ok) {
                        throw new IllegalArgumentException(
                                where + " must be a JSON array of non-empty strings, got " + text);
                    }
                    return values;
                }
            };

    /**
     * One of a fixed set of choices, named case-insensitively with {@code -} or {@code _}: {@code
     * io_uring}, {@code IO-URING}.
     */
    public static <E extends Enum<E>> SettingType<E> choice(Class<E> type) {
        List<String> names =
                Arrays.stream(type.getEnumConstants())
                        .map(e -> e.name().toLowerCase(Locale.ROOT))
                        .toList();
        String requirement =
                String.join(", ", names.subList(0, names.size() - 1))
                        + " or "
                        + names.get(names.size() - 1);
        Function<String, E> parse =
                text -> Enum.valueOf(type, text.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        return new SettingType<>() {
            @Override
            public String requirement() {
                return requirement;
            }

            @Override
            public Class<?> flagType() {
                // text, so that a wrong name is refused with the choices rather than by picocli
                return String.class;
            }

            @Override
            public E fromFlag(Object raw, String where) {
                try {
                    return parse.apply((String) raw);
                } catch (IllegalArgumentException | NullPointerException e) {
                    throw refused(where, requirement, raw);
                }
            }

            @Override
            public String text(E value) {
                return value.name().toLowerCase(Locale.ROOT);
            }
        };
    }

    /**
     * JSON text, or {@code null} for NULL or blank; invalid JSON is refused naming {@code where}.
     */
    public static JsonNode parseJson(String text, String where) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    where + " is not valid JSON: " + e.getOriginalMessage());
        }
    }

    static IllegalArgumentException refused(String where, String requirement, Object got) {
        return new IllegalArgumentException(where + " must be " + requirement + ", got " + got);
    }

    static IllegalArgumentException refusedText(String where, String requirement, String got) {
        return new IllegalArgumentException(
                where + " must be " + requirement + ", got '" + got + "'");
    }
}
