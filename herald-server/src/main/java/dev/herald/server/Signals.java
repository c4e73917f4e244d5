package dev.herald.server;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGTERM and SIGINT start a graceful shutdown that ends with exit status 0, which a JVM shutdown
 * hook cannot give (the JVM exits 143 after a SIGTERM). Uses {@code sun.misc.Signal}, present in
 * every OpenJDK (module {@code jdk.unsupported}), through reflection: compiled against directly it
 * draws a warning on every build that no annotation can silence. Where it is missing the caller
 * falls back to a shutdown hook.
 */
final class Signals {

    private static final Logger log = LoggerFactory.getLogger(Signals.class);

    private Signals() {}

    static boolean onTermination(Runnable action) {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
            Object handler =
                    Proxy.newProxyInstance(
                            Signals.class.getClassLoader(),
                            new Class<?>[] {handlerType},
                            (proxy, method, args) -> {
                                if (method.getName().equals("handle")) {
                                    action.run();
                                    return null;
                                }
                                // toString, hashCode, equals: answered as an Object would
                                return method.getName().equals("equals")
                                        ? proxy == args[0]
                                        : method.getName().equals("hashCode")
                                                ? System.identityHashCode(proxy)
                                                : "herald-signal-handler";
                            });
            Method handle = signal.getMethod("handle", signal, handlerType);
            for (String name : new String[] {"TERM", "INT"}) {
                handle.invoke(null, signal.getConstructor(String.class).newInstance(name), handler);
            }
            return true;
        } catch (ReflectiveOperationException | LinkageError | IllegalArgumentException e) {
            log.warn("cannot handle signals ({}); relying on a shutdown hook", e.toString());
            return false;
        }
    }
}
