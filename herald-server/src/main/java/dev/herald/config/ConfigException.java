package dev.herald.config;

/** A setting that cannot be used; the message names the setting and what is wrong. */
public final class ConfigException extends RuntimeException {

    public ConfigException(String message) {
        super(message);
    }
}
