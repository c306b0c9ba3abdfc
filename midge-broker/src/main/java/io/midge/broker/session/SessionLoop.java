package io.midge.broker.session;

import io.netty.channel.EventLoop;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The event loop a session belongs to, and how work reaches it there: a session's state is touched on its loop only,
 * and the loop changes when a client resumes the session on a connection of another loop ({@link #moveTo}). Work
 * handed to {@link #execute} follows the session if it moves meanwhile. {@link Session} extends it, so that these
 * two fields are the session's own rather than an object more for every session (every idle connection has one).
 */
abstract class SessionLoop {
    private static final Logger log = LoggerFactory.getLogger(SessionLoop.class);
    private static final AtomicReferenceFieldUpdater<SessionLoop, Runnable> ARRIVAL =
            AtomicReferenceFieldUpdater.newUpdater(SessionLoop.class, Runnable.class, "arrival");

    private volatile EventLoop executor;
    /** What must run first on the loop the session just moved to (see {@link #moveTo}); null once it ran. */
    private volatile Runnable arrival;

    SessionLoop(EventLoop executor) {
        this.executor = executor;
    }

    /** The client identifier, for the log. */
    public abstract String clientId();

    public EventLoop executor() {
        return executor;
    }

    /** Runs the task on the session's loop, following the session if it moves meanwhile. */
    public void execute(Runnable task) {
        EventLoop loop = executor;
        if (loop.inEventLoop()) {
            runArrival();
            task.run();
        } else {
            try {
                loop.execute(() -> execute(task));
            } catch (RejectedExecutionException e) {
                // The broker is shutting down: its loops take no more work, and nothing is left to do.
                log.debug("Session of '{}': loop stopped, task dropped", clientId());
            }
        }
    }

    /**
     * Runs the task on the session's loop after what the loop is doing now (a read batch, a drain), following the
     * session if it moves meanwhile.
     */
    final void executeLater(Runnable task) {
        try {
            executor.execute(() -> execute(task));
        } catch (RejectedExecutionException e) {
            log.debug("Session of '{}': loop stopped, task dropped", clientId());
        }
    }

    /**
     * Runs {@code here} now when called on the session's loop (after the arrival of a move, if one waits), or hands
     * {@code there} to the session's loop; for the mailbox's drain, which is a task of its own.
     */
    void runHereOrHand(Runnable here, Runnable there, String dropped) {
        EventLoop loop = executor;
        if (loop.inEventLoop()) {
            runArrival();
            here.run();
        } else {
            try {
                loop.execute(there);
            } catch (RejectedExecutionException e) {
                log.debug("Session of '{}': loop stopped, {}", clientId(), dropped);
            }
        }
    }

    /**
     * Moves the session to another loop; call on the current owner loop. Work queued after follows it.
     * {@code onArrival} (attaching the connection that resumes the session) runs on the new loop before any task
     * given to {@link #execute} from then on: a takeover racing this one may reach the new loop first, and must
     * find the connection attached, to close it, rather than no connection at all.
     */
    public void moveTo(EventLoop loop, Runnable onArrival) {
        arrival = onArrival;
        this.executor = loop;
        // Through execute, so that it runs on the session's loop even if the session has moved on by then.
        loop.execute(() -> execute(() -> { }));
    }

    private void runArrival() {
        Runnable first = arrival == null ? null : ARRIVAL.getAndSet(this, null);
        if (first != null) {
            first.run();
        }
    }
}
