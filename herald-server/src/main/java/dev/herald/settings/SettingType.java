package dev.herald.settings;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * How values of one type are read from each place a setting can come from, and written back. Every
 * reading method throws {@link IllegalArgumentException} with a message that starts with the place
 * it was given ({@code where}), so that a refusal always says which setting is wrong. Types of
 * server-only settings need not support the apps file, {@code --set} or the table.
 */
public interface SettingType<T> {

    /** What a value must be, completing "must be ...": {@code a whole number}. */
    String requirement();

    /** The Java type picocli converts the flag's text to. */
    Class<?> flagType();

    /** The element type of a list flag; {@code null} for a single value. */
    default Class<?> flagElementType() {
        return null;
    }

    /**
     * The value from what picocli converted ({@code null} when the flag and its variable are
     * unset).
     */
    T fromFlag(Object raw, String where);

    /** The value of a key present in the apps file. */
    default T fromYaml(JsonNode node, String where) {
        throw new UnsupportedOperationException(where + " is not a setting of the apps file");
    }

    /** The value of {@code FIELD=VALUE} text ({@code herald apps create --set}). */
    default T fromText(String text, String where) {
        throw new UnsupportedOperationException(where + " cannot be set as text");
    }

    /** The value as text: a flag's default, and what {@code herald apps list} prints. */
    String text(T value);

    default Storage storage() {
        return Storage.NONE;
    }

    /** The column value, of the Java type of {@link #storage()}. */
    default Object toStored(T value) {
        throw new UnsupportedOperationException("not stored");
    }

    /** The value from a non-NULL column value of the Java type of {@link #storage()}. */
    default T fromStored(Object stored, String where) {
        throw new UnsupportedOperationException(where + " is not stored");
    }
}
