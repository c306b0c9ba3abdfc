package io.midge.broker.security;

import io.midge.broker.security.AclFile.Operation;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Authorizes publishes, subscriptions and deliveries by the rules of an ACL file (format and decisions:
 * {@link AclFile}). What the file does not grant is denied. Decisions read an immutable rule set and take no lock;
 * {@link #reload()} swaps in a new one, or keeps the old one when the file has become wrong.
 */
public final class AclAuthorizer implements Authorizer {
    private static final Logger log = LoggerFactory.getLogger(AclAuthorizer.class);

    private final Path file;
    private volatile AclFile rules;

    /**
     * Reads the ACL file.
     *
     * @throws SecurityFileException when the file cannot be read or a line is wrong
     */
    public AclAuthorizer(Path file) {
        this.file = file;
        this.rules = AclFile.load(file);
    }

    @Override
    public boolean canPublish(String clientId, String username, String topic) {
        return rules.allows(Operation.PUBLISH, clientId, username, topic);
    }

    @Override
    public boolean canSubscribe(String clientId, String username, String filter) {
        return rules.allows(Operation.SUBSCRIBE, clientId, username, filter);
    }

    @Override
    public boolean canReceive(String clientId, String username, String topic) {
        return rules.allows(Operation.RECEIVE, clientId, username, topic);
    }

    @Override
    public boolean isAdmin(String username) {
        return rules.isAdmin(username);
    }

    /**
     * Rereads the ACL file. When it cannot be read or is wrong, the error is logged and the rules stay as they were.
     *
     * @return whether the new rules are now in use
     */
    public boolean reload() {
        try {
            rules = AclFile.load(file);
            log.info("Reloaded the ACL file {} ({} rules)", file, rules.ruleCount());
            return true;
        } catch (SecurityFileException e) {
            log.error("Keeping the previous ACL rules: {}", e.getMessage());
            return false;
        }
    }

    /** The ACL file this authorizer reads. */
    public Path file() {
        return file;
    }
}
