/** The composition root and the command line: builds, starts and stops every part. */
package dev.herald.server;
