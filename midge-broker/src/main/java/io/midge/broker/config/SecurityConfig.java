package io.midge.broker.config;

import static io.midge.broker.config.ConfigKeys.ACL_FILE;
import static io.midge.broker.config.ConfigKeys.DENY_SUBSCRIBE;
import static io.midge.broker.config.ConfigKeys.PASSWORD_FILE;

import java.nio.file.Path;
import java.util.List;

/** Who may log in and what they may do: the {@link ConfigArea#SECURITY} keys. */
public final class SecurityConfig {
    private final Settings settings;

    SecurityConfig(Settings settings) {
        this.settings = settings;
    }

    /** The password file (see {@code midge passwd}); null means no passwords are checked. */
    public Path passwordFile() {
        return settings.get(PASSWORD_FILE);
    }

    /** The ACL file; null means every client may publish and subscribe to anything. */
    public Path aclFile() {
        return settings.get(ACL_FILE);
    }

    /** Topic filters whose subscription is refused (SUBACK 0x80). */
    public List<String> denySubscribe() {
        return settings.get(DENY_SUBSCRIBE);
    }
}
