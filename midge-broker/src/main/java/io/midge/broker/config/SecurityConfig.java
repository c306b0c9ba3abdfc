package io.midge.broker.config;

import static io.midge.broker.config.ConfigKeys.ACL_FILE;
import static io.midge.broker.config.ConfigKeys.DENY_SUBSCRIBE;
import static io.midge.broker.config.ConfigKeys.PASSWORD_FILE;

import java.nio.file.Path;
import java.util.List;

/** Who may log in and what they may do: the {@link ConfigArea#SECURITY} keys. */
public final class SecurityConfig {
    // Read once: the settings are fixed, and some of these are read for every message.
    private final Path passwordFile;
    private final Path aclFile;
    private final List<String> denySubscribe;

    SecurityConfig(Settings settings) {
        this.passwordFile = settings.get(PASSWORD_FILE);
        this.aclFile = settings.get(ACL_FILE);
        this.denySubscribe = settings.get(DENY_SUBSCRIBE);
    }

    /** The password file (see {@code midge passwd}); null means no passwords are checked. */
    public Path passwordFile() {
        return passwordFile;
    }

    /** The ACL file; null means every client may publish and subscribe to anything. */
    public Path aclFile() {
        return aclFile;
    }

    /** Topic filters whose subscription is refused (SUBACK 0x80). */
    public List<String> denySubscribe() {
        return denySubscribe;
    }
}
