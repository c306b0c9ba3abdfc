package io.midge.broker.security;

/**
 * Decides what a connected client may do with topics. Called on the connection's event loop for every publish,
 * subscription and delivery it governs, so it must answer at once without blocking.
 */
public interface Authorizer {
    /** Whether the client may publish to this topic name (PUBLISH, and a will's topic at CONNECT). */
    boolean canPublish(String clientId, String username, String topic);

    /** Whether the client may subscribe to this filter: only when it may receive every topic the filter matches. */
    boolean canSubscribe(String clientId, String username, String filter);

    /** Whether a message on this topic may be delivered to the client (retained messages, wills, after a reload). */
    boolean canReceive(String clientId, String username, String topic);

    /**
     * Whether this user (one who logged in) may use the broker's administration: the HTTP listener's pages. Not
     * unless said so; without an ACL file ({@link #ALLOW_ALL}) every user may do everything, this too.
     */
    default boolean isAdmin(String username) {
        return false;
    }

    /** Lets every client do everything: the broker without an ACL file. */
    Authorizer ALLOW_ALL = new Authorizer() {
        @Override
        public boolean canPublish(String clientId, String username, String topic) {
            return true;
        }

        @Override
        public boolean canSubscribe(String clientId, String username, String filter) {
            return true;
        }

        @Override
        public boolean canReceive(String clientId, String username, String topic) {
            return true;
        }

        @Override
        public boolean isAdmin(String username) {
            return true;
        }
    };
}
