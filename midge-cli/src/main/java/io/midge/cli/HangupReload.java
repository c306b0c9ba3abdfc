package io.midge.cli;

import io.midge.broker.Broker;

/**
 * {@code kill -HUP}: rereads the password and ACL files, as they are also reread when they change. Installed before
 * the broker starts, so that a SIGHUP sent as soon as the listeners are up finds this handler and not the JVM's
 * default, which would stop the broker; one that arrives while the broker is still starting is applied once it has.
 */
final class HangupReload {
    private Broker broker;
    private boolean pending;

    private HangupReload() {
    }

    static HangupReload install() {
        HangupReload reload = new HangupReload();
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
            broker.reloadSecurity();
        }
    }

    private synchronized void hangup() {
        if (broker == null) {
            pending = true;
        } else {
            broker.reloadSecurity();
        }
    }
}
