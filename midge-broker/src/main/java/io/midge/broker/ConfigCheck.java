package io.midge.broker;

import io.midge.broker.config.BrokerConfig;
import io.midge.broker.config.ListenerConfig;
import io.midge.broker.http.HttpListener;
import io.midge.broker.security.Authenticator;
import io.midge.broker.security.BrokerSecurity;
import io.midge.broker.transport.ReloadingSslContext;

/**
 * What {@code midge broker --check-config} checks: everything a start reads before it binds a port or opens the
 * store, with the same exceptions and messages a start would give (so a checked file starts, or fails for a reason
 * only the machine can give: a port in use, a store held by another broker).
 */
public final class ConfigCheck {
    private ConfigCheck() {
    }

    /**
     * Reads the password and ACL files, every listener's TLS files, the cluster links' and the HTTP listener's, and checks that an HTTP
     * listener that asks for credentials has a password file to check them against.
     *
     * @throws io.midge.broker.security.SecurityFileException a password or ACL file that cannot be used
     * @throws io.midge.broker.transport.ListenerException a TLS file that cannot be used, or HTTP without a way to log in
     */
    public static void check(BrokerConfig config) {
        try (BrokerSecurity security = BrokerSecurity.open(config.security().passwordFile(),
                config.security().aclFile())) {
            for (ListenerConfig listener : config.listeners().effective()) {
                if (listener.tls() != null) {
                    ReloadingSslContext.load(listener.name(), listener.tls());
                }
            }
            if (config.cluster().enabled() && config.cluster().tls() != null) {
                ReloadingSslContext.loadClient("cluster-link", config.cluster().tls());
            }
            if (config.http().enabled()) {
                Authenticator checker = security.authenticator();
                HttpListener.checkCanLogIn(config.http(), checker);
                if (config.http().tls() != null) {
                    ReloadingSslContext.load("http", config.http().tls());
                }
            }
        }
    }
}
