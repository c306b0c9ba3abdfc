package io.midge.broker.persistence;

import java.util.List;

/**
 * Everything the store held at start, expired sessions and messages left out (and deleted from the store).
 *
 * @param wills            every stored will, including those whose session expired while the broker was down
 *                         (they are due now): the broker publishes each when due and then removes it
 * @param droppedSessions  sessions that had expired, removed
 * @param droppedMessages  queued and retained messages that had expired, removed
 */
public record RecoveredState(List<RecoveredSession> sessions, List<StoredMessage> retained, List<StoredWill> wills,
                             int droppedSessions, int droppedMessages) {

    public static final RecoveredState EMPTY = new RecoveredState(List.of(), List.of(), List.of(), 0, 0);
}
