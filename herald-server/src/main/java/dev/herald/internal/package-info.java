/**
 * Small helpers shared by every other package: none of them knows Pusher, Netty pipelines or an
 * engine. Not part of any documented interface.
 */
package dev.herald.internal;
