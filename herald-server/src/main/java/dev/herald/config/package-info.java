/**
 * Settings: immutable records built at start-up from flags and {@code HERALD_*} environment
 * variables, validated with clear errors. Read nowhere but at start-up.
 */
package dev.herald.config;
