package io.midge.cli;

import io.midge.broker.Broker;
import io.midge.broker.config.ConfigException;
import io.midge.broker.config.ConfigLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code kill -HUP}: rereads the password and ACL files, as they are also reread when they change, and the
 * configuration file's {@code bridges} (each bridge added, removed or changed on its own; a file with a mistake
 * changes none and says where the mistake is). Installed before
 * the broker starts, so that a SIGHUP sent as soon as the listeners are up finds this handler and not the JVM's
 * default, which would stop the broker; one that arrives while the broker is still starting is applied once it has.
 */
final class HangupReload {
    private static final Logger log = LoggerFactory.getLogger(HangupReload.class);
    private final Path configFile;
    private Broker broker;
    private boolean pending;

    private HangupReload(Path configFile) {
        this.configFile = configFile;
    }

    /** {@code configFile} is the broker's configuration file, null when it has none. */
    static HangupReload install(Path configFile) {
        HangupReload reload = new HangupReload(configFile);
        if (hangupIgnored()) {
            log.warn("SIGHUP is ignored by this process (started under nohup?): kill -HUP will not reload the "
                    + "password and ACL files; they are still reread when they change");
        }
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> reload.hangup());
        } catch (IllegalArgumentException e) {
            // No SIGHUP on this system (Windows), or the JVM keeps it (-Xrs): files are still reread on change.
        }
        return reload;
    }

    /** The broker is up: a SIGHUP that came while it started is applied now. */
    synchronized void started(Broker started) {
        broker = started;
        if (pending) {
            pending = false;
            reload();
        }
    }

    private synchronized void hangup() {
        if (broker == null) {
            pending = true;
        } else {
            reload();
        }
    }

    private void reload() {
        broker.reloadSecurity();
        if (configFile == null) {
            return;
        }
        try {
            broker.reloadBridges(ConfigLoader.load(configFile).bridges());
        } catch (ConfigException | IllegalArgumentException e) {
            log.error("Reload: {}; the bridges stay as they were", e.getMessage());
        }
    }

    /** Whether this process ignores SIGHUP, as under nohup: the JVM then installs no handler for it. */
    static boolean hangupIgnored() {
        try {
            // Signal 1 is the lowest bit of the SigIgn mask.
            return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("SigIgn:"))
                    .anyMatch(l -> (Long.parseLong(l.substring("SigIgn:".length()).strip(), 16) & 1) != 0);
        } catch (IOException | RuntimeException e) {
            return false; // not Linux: no way to tell
        }
    }
}
