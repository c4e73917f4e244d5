package dev.herald.auth;

import dev.herald.apps.App;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One signer per app and secret, so each thread's HMAC key schedule is computed once. Keyed by the
 * whole {@link App} value: a rotated secret is a different key and gets a fresh signer.
 */
public final class Authenticators {

    private final ConcurrentHashMap<App, ChannelAuthenticator> channel = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<App, HmacSigner> signers = new ConcurrentHashMap<>();

    public HmacSigner signer(App app) {
        return signers.computeIfAbsent(app, a -> new HmacSigner(a.secret()));
    }

    public ChannelAuthenticator channel(App app) {
        return channel.computeIfAbsent(app, a -> new ChannelAuthenticator(a.key(), signer(a)));
    }
}
