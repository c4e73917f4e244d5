package dev.herald.broker;

/**
 * An instruction for every node, such as closing a user's connections wherever they are.
 *
 * @param subject what the command is about (a user id for {@link Type#TERMINATE_USER})
 */
public record NodeCommand(Type type, String appId, String subject) {

    public enum Type {
        /**
         * Close every connection signed in as {@code subject} with 4009 (docs/protocol.md §4.5).
         */
        TERMINATE_USER
    }

    public static NodeCommand terminateUser(String appId, String userId) {
        return new NodeCommand(Type.TERMINATE_USER, appId, userId);
    }
}
