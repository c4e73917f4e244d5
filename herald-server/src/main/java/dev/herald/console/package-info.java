/**
 * The console on the ops port (docs/console.md): sign-in ({@link dev.herald.console.ConsoleKey}),
 * the JSON API ({@link dev.herald.console.ConsoleApi}), the debug stream to each viewer ({@link
 * dev.herald.console.Viewer}), the sampler that feeds the charts ({@link
 * dev.herald.console.StatsSampler}) and the page itself (resources under {@code
 * dev/herald/console/static}). A leaf: it reads Herald through the engines' interfaces and the
 * activity feed, and only the composition root knows it.
 */
package dev.herald.console;
