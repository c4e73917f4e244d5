/**
 * HTTP on the server port: the signed REST API, health and readiness, and routing WebSocket
 * upgrades to the hub's sessions. Protocol rules live in {@code protocol}, not here.
 */
package dev.herald.http;
