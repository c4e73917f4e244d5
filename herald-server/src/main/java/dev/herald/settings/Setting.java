package dev.herald.settings;

import dev.herald.internal.Redact;
import java.util.Objects;

/**
 * One setting, described once: its name, type, default, bound and text, and where it appears. Build
 * one with {@link #of} and the builder's methods; a descriptor is immutable.
 *
 * <p>{@link #name()} is the key of the apps file, the column of the {@code herald_apps} table and
 * the field of {@code herald apps create --set} for an app's setting; for a server setting it only
 * identifies the descriptor. A setting of either kind appears on the command line if it has a
 * {@link #flag()}.
 *
 * @param <T> the value's Java type
 */
public final class Setting<T> {

    private final String name;
    private final SettingType<T> type;
    private final T defaultValue;
    private final Bound<T> bound;
    private final Flag flag;
    private final String column;
    private final boolean settable;
    private final String meaning;

    private Setting(Builder<T> b) {
        this.name = Objects.requireNonNull(b.name, "name");
        this.type = Objects.requireNonNull(b.type, "type");
        this.defaultValue = b.defaultValue;
        this.bound = b.bound;
        this.column = b.column != null ? b.column : b.type.storage().sql();
        this.settable = b.settable;
        this.meaning = b.meaning;
        this.flag =
                b.flagName == null && b.env == null
                        ? null
                        : new Flag(
                                b.flagName,
                                b.env,
                                b.label != null ? b.label : label(b.flagName),
                                b.help,
                                b.secret,
                                b.flagDefault,
                                b.section,
                                b.docDefault,
                                b.docMeaning != null ? b.docMeaning : b.meaning);
    }

    public static <T> Builder<T> of(String name, SettingType<T> type) {
        return new Builder<>(name, type);
    }

    public String name() {
        return name;
    }

    public SettingType<T> type() {
        return type;
    }

    /**
     * The value when none is given; {@code null} when the setting is required or optional without
     * one.
     */
    public T defaultValue() {
        return defaultValue;
    }

    /** Where it appears on the command line; {@code null} if it does not. */
    public Flag flag() {
        return flag;
    }

    /** The column definition in the {@code herald_apps} table; {@code null} if not stored. */
    public String column() {
        return column;
    }

    /** Whether {@code herald apps create --set NAME=VALUE} sets it. */
    public boolean settable() {
        return settable;
    }

    /** What the setting does, for the docs. */
    public String meaning() {
        return meaning;
    }

    /** "must be > 0", or {@code null} if every value of the type is accepted. */
    public String requirement() {
        return bound == null ? null : bound.requirement();
    }

    /**
     * Returns {@code value} if the bound accepts it ({@code null} always passes: not set).
     *
     * @throws IllegalArgumentException "{@code <subject> must be ..., got <value>}", or "{@code
     *     <subject>: <reason>}" for a {@link Bound#rule}
     */
    public T check(T value, String subject) {
        if (value != null && bound != null && !bound.accepts().test(value)) {
            if (bound.explain() != null) {
                throw new IllegalArgumentException(subject + ": " + bound.explain().apply(value));
            }
            String shown = type.text(value);
            throw new IllegalArgumentException(
                    subject
                            + " "
                            + bound.requirement()
                            + ", got "
                            + (flag != null && flag.secret() ? Redact.url(shown) : shown));
        }
        return value;
    }

    /** {@link #check} under this setting's own name, as the apps file and the table name it. */
    public T check(T value) {
        return check(value, name);
    }

    /**
     * The value of the flag (or its variable) from what picocli converted, refused naming the flag.
     */
    public T fromFlag(Object raw) {
        String subject = flag.subject();
        return check(type.fromFlag(raw, subject), subject);
    }

    /** The flag's default as text, {@code null} for none. */
    public String flagDefault() {
        if (flag.defaultText() != null) {
            return flag.defaultText();
        }
        if (defaultValue == null) {
            return null;
        }
        String text = type.text(defaultValue);
        return text.isEmpty() ? null : text;
    }

    @Override
    public String toString() {
        return "Setting[" + name + "]";
    }

    /** {@code --max-event-bytes} gives {@code maxEventBytes}. */
    private static String label(String flagName) {
        if (flagName == null) {
            return null;
        }
        StringBuilder out = new StringBuilder();
        boolean upper = false;
        for (char c : flagName.replaceFirst("^-+", "").toCharArray()) {
            if (c == '-') {
                upper = true;
            } else {
                out.append(upper ? Character.toUpperCase(c) : Character.toLowerCase(c));
                upper = false;
            }
        }
        return out.toString();
    }

    /** Collects a setting's description; {@link #build()} makes the descriptor. */
    public static final class Builder<T> {

        private final String name;
        private final SettingType<T> type;
        private T defaultValue;
        private Bound<T> bound;
        private String column;
        private boolean settable;
        private String meaning;
        private String flagName;
        private String env;
        private String label;
        private String help;
        private boolean secret;
        private String flagDefault;
        private String section;
        private String docDefault;
        private String docMeaning;

        private Builder(String name, SettingType<T> type) {
            this.name = name;
            this.type = type;
        }

        public Builder<T> defaultValue(T value) {
            this.defaultValue = value;
            return this;
        }

        public Builder<T> bound(Bound<T> bound) {
            this.bound = bound;
            return this;
        }

        /**
         * The column definition, when not simply the type's ({@code VARCHAR(255) NOT NULL PRIMARY
         * KEY}).
         */
        public Builder<T> column(String definition) {
            this.column = definition;
            return this;
        }

        /** {@code herald apps create --set} sets it. */
        public Builder<T> settable() {
            this.settable = true;
            return this;
        }

        public Builder<T> meaning(String meaning) {
            this.meaning = meaning;
            return this;
        }

        /**
         * A flag whose default comes from {@code env}; {@code help} is its {@code --help} text.
         * {@code name} may be {@code null} for a setting read only from the environment.
         */
        public Builder<T> flag(String name, String env, String help) {
            this.flagName = name;
            this.env = Objects.requireNonNull(env, "env");
            this.help = help;
            return this;
        }

        /** The {@code --help} parameter label, when not the flag's name in camel case. */
        public Builder<T> label(String label) {
            this.label = label;
            return this;
        }

        /** The value may hold a password: never shown by {@code --help}, masked in refusals. */
        public Builder<T> secret() {
            this.secret = true;
            return this;
        }

        /** The flag's default, when it differs from the setting's. */
        public Builder<T> flagDefault(String text) {
            this.flagDefault = text;
            return this;
        }

        /**
         * The flag's row in the {@code section} table of {@code docs/configuration.md}: the default
         * as worded there ({@code null}: the value, or "none"), and what it means there when that
         * differs from {@link #meaning}.
         */
        public Builder<T> doc(String section, String docDefault, String meaning) {
            this.section = section;
            this.docDefault = docDefault;
            this.docMeaning = meaning;
            return this;
        }

        public Setting<T> build() {
            return new Setting<>(this);
        }
    }
}
