/**
 * The settings schema: one descriptor per setting ({@link dev.herald.settings.Setting}) holding its
 * name, type, default, bound, help and documentation text, and every place it appears (a {@code
 * --flag} with its {@code HERALD_*} variable, a key of the YAML apps file, a column of the {@code
 * herald_apps} table, a field of {@code herald apps create --set}).
 *
 * <p>The catalogues are {@link dev.herald.apps.AppSettings} (each app's settings) and {@link
 * dev.herald.config.ServerSettings} (the node's). The command line, the apps file, the JDBC table,
 * {@code herald apps} and the tables of {@code docs/configuration.md} are all read from them, so a
 * setting is declared once. This package knows no Herald type: it only describes.
 */
package dev.herald.settings;
