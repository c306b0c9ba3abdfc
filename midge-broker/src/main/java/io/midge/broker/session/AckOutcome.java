package io.midge.broker.session;

/**
 * What an acknowledgement (PUBACK, PUBREC, PUBCOMP) meant for the send its packet identifier names. An identifier
 * that is not in flight is tolerated (a late duplicate, say); one that is in flight but awaits another kind of
 * acknowledgement is a protocol violation, which the connection answers by closing.
 */
public enum AckOutcome { ACCEPTED, NOT_IN_FLIGHT, WRONG_KIND }
