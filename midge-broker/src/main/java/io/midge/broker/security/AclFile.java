package io.midge.broker.security;

import io.midge.broker.routing.TopicFilters;
import io.midge.codec.Topics;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The rules of an ACL file, and the decisions they make. Immutable; {@link AclAuthorizer} holds the current one.
 *
 * <h2>File format</h2>
 * UTF-8 text, one statement per line; blank lines and lines starting with {@code #} are ignored (there are no
 * comments at the end of a line: {@code #} is a wildcard in filters).
 * <pre>
 * # rules for everyone: lines before the first "user" line
 * topic read public/#
 * pattern readwrite devices/%c/#
 * pattern read users/%u/inbox/#
 *
 * # rules for one user (until the next "user" line), in addition to everyone's
 * user alice
 * topic readwrite home/#
 * topic deny home/safe/#
 * admin
 * </pre>
 * <ul>
 * <li>{@code user NAME} starts the rules of the user whose user name is NAME (the rest of the line). A user has one
 *     section; a second one for the same name is an error.</li>
 * <li>{@code topic [ACCESS] FILTER} grants or denies ACCESS on the topics FILTER matches. FILTER is the rest of the
 *     line, an MQTT topic filter ({@code +} and {@code #} wildcards; not a {@code $share/} filter).</li>
 * <li>{@code pattern [ACCESS] FILTER} is the same with {@code %c} replaced by the client identifier and {@code %u}
 *     by the user name when a client is checked. The rule does not apply to a client whose identifier (or user
 *     name) is empty, missing, or contains {@code /}, {@code +} or {@code #}, so that no client can widen a pattern
 *     by its choice of name. Any other {@code %} sequence is an error.</li>
 * <li>{@code admin} (in a user's section) gives that user the admin right: the HTTP listener's pages (metrics, and
 *     what later sessions add) when it asks for credentials. It grants nothing on topics.</li>
 * <li>ACCESS is {@code read} (subscribe and receive), {@code write} (publish), {@code readwrite} (both; the default
 *     when ACCESS is left out) or {@code deny} (neither, whatever other rules grant).</li>
 * </ul>
 * <h2>Decisions</h2>
 * A client's rules are everyone's rules plus those of its user name's section. Anything not granted is denied.
 * <ul>
 * <li>Publish to a topic (or receive a message on it): denied when a {@code deny} rule matches the topic, else
 *     allowed when a {@code write} (for receive: {@code read}) rule matches it.</li>
 * <li>Subscribe to a filter: allowed only when the client may receive every topic the filter could match, that is
 *     when one {@code read} rule's filter covers the whole subscription filter and no {@code deny} rule matches any
 *     topic the subscription could match. With {@code topic read sensors/+/temp}, {@code sensors/+/temp} and
 *     {@code sensors/a/temp} are allowed, {@code sensors/#} is not. For a shared subscription
 *     {@code $share/NAME/FILTER} the FILTER is checked.</li>
 * </ul>
 * As in MQTT, a wildcard in the first level of a rule does not match topics starting with {@code $}: {@code #} grants
 * nothing under {@code $SYS}.
 */
public final class AclFile {
    /** What a client wants to do. */
    public enum Operation { PUBLISH, SUBSCRIBE, RECEIVE }

    enum Access {
        READ, WRITE, READWRITE, DENY;

        boolean grants(Operation operation) {
            return switch (this) {
                case READ -> operation != Operation.PUBLISH;
                case WRITE -> operation == Operation.PUBLISH;
                case READWRITE -> true;
                case DENY -> false;
            };
        }
    }

    /** One topic or pattern line; {@code substituted} says whether the filter holds %c or %u. */
    record Rule(Access access, String filter, boolean substituted) {
        /** The rule's filter for this client, or null when the rule does not apply to it. */
        String filterFor(String clientId, String username) {
            if (!substituted) {
                return filter;
            }
            StringBuilder result = new StringBuilder(filter.length() + 16);
            for (int k = 0; k < filter.length(); k++) {
                char c = filter.charAt(k);
                if (c == '%') {
                    String value = filter.charAt(++k) == 'c' ? clientId : username;
                    // A value with a separator or a wildcard would change the filter's levels, not fill one.
                    if (value == null || value.isEmpty() || value.indexOf('/') >= 0 || value.indexOf('+') >= 0
                            || value.indexOf('#') >= 0) {
                        return null;
                    }
                    result.append(value);
                } else {
                    result.append(c);
                }
            }
            return result.toString();
        }
    }

    private final List<Rule> everyone;
    private final Map<String, List<Rule>> users;
    private final Set<String> admins;

    private AclFile(List<Rule> everyone, Map<String, List<Rule>> users, Set<String> admins) {
        this.everyone = everyone;
        this.users = users;
        this.admins = admins;
    }

    /**
     * Reads an ACL file.
     *
     * @throws SecurityFileException naming the file and the line when it cannot be read or a line is wrong
     */
    public static AclFile load(Path file) {
        List<Rule> everyone = new ArrayList<>();
        Map<String, List<Rule>> users = new HashMap<>();
        Map<String, Integer> sectionLine = new HashMap<>();
        Set<String> admins = new HashSet<>();
        List<Rule> current = everyone;
        String currentUser = null;
        int number = 0;
        for (String raw : SecurityFiles.readLines(file, "ACL file")) {
            number++;
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] words = line.split("\\s+", 2);
            String rest = words.length > 1 ? words[1] : "";
            switch (words[0]) {
                case "user" -> {
                    if (rest.isEmpty()) {
                        throw new SecurityFileException(file, number, "'user' without a user name");
                    }
                    Integer first = sectionLine.putIfAbsent(rest, number);
                    if (first != null) {
                        throw new SecurityFileException(file, number,
                                "second section for user '" + rest + "' (first on line " + first + ")");
                    }
                    current = new ArrayList<>();
                    currentUser = rest;
                    users.put(rest, current);
                }
                case "admin" -> {
                    // Everyone's section has no admin line: the right is given to named users only, one by one.
                    if (currentUser == null || !rest.isEmpty()) {
                        throw new SecurityFileException(file, number, currentUser == null
                                ? "'admin' outside a user's section (it gives one user the admin right)"
                                : "'admin' takes nothing after it");
                    }
                    admins.add(currentUser);
                }
                case "topic" -> current.add(rule(file, number, rest, false, "topic"));
                case "pattern" -> current.add(rule(file, number, rest, true, "pattern"));
                default -> throw new SecurityFileException(file, number,
                        "unknown keyword '" + words[0] + "' (expected user, topic, pattern or admin)");
            }
        }
        Map<String, List<Rule>> frozen = new HashMap<>();
        users.forEach((user, rules) -> frozen.put(user, List.copyOf(rules)));
        return new AclFile(List.copyOf(everyone), Map.copyOf(frozen), Set.copyOf(admins));
    }

    private static Rule rule(Path file, int number, String rest, boolean pattern, String keyword) {
        if (rest.isEmpty()) {
            throw new SecurityFileException(file, number, "'" + keyword + "' without a topic filter");
        }
        Access access = Access.READWRITE;
        String filter = rest;
        String[] words = rest.split("\\s+", 2);
        if (words.length == 2) {
            Access named = switch (words[0]) {
                case "read" -> Access.READ;
                case "write" -> Access.WRITE;
                case "readwrite" -> Access.READWRITE;
                case "deny" -> Access.DENY;
                default -> null;
            };
            if (named != null) {
                access = named;
                filter = words[1];
            }
        }
        boolean substituted = false;
        if (pattern) {
            for (int k = filter.indexOf('%'); k >= 0; k = filter.indexOf('%', k + 2)) {
                if (k + 1 >= filter.length() || filter.charAt(k + 1) != 'c' && filter.charAt(k + 1) != 'u') {
                    String found = filter.substring(k, Math.min(k + 2, filter.length()));
                    throw new SecurityFileException(file, number, "unknown substitution '" + found
                            + "' in pattern '" + filter + "' (only %c and %u)");
                }
                substituted = true;
            }
        }
        if (Topics.isSharedFilter(filter)) {
            throw new SecurityFileException(file, number, "'" + filter
                    + "' is a shared subscription; write the topic filter it shares");
        }
        String problem = Topics.topicFilterProblem(filter, false);
        if (problem != null) {
            throw new SecurityFileException(file, number, problem);
        }
        return new Rule(access, filter, substituted);
    }

    /**
     * Whether the client may do this. The target is a topic name for publish and receive, a topic filter (possibly
     * a shared one) for subscribe.
     */
    public boolean allows(Operation operation, String clientId, String username, String target) {
        if (operation == Operation.SUBSCRIBE && Topics.isSharedFilter(target)) {
            int slash = target.indexOf('/', Topics.SHARE_PREFIX.length());
            if (slash < 0) {
                return false;
            }
            target = target.substring(slash + 1);
        }
        List<Rule> own = username == null ? List.of() : users.getOrDefault(username, List.of());
        Decision decision = decide(everyone, operation, clientId, username, target, Decision.NONE);
        if (decision != Decision.DENIED) {
            decision = decide(own, operation, clientId, username, target, decision);
        }
        return decision == Decision.GRANTED;
    }

    private enum Decision { NONE, GRANTED, DENIED }

    private static Decision decide(List<Rule> rules, Operation operation, String clientId, String username,
                                   String target, Decision sofar) {
        Decision decision = sofar;
        for (Rule rule : rules) {
            boolean deny = rule.access() == Access.DENY;
            if (!deny && (decision == Decision.GRANTED || !rule.access().grants(operation))) {
                continue;
            }
            String filter = rule.filterFor(clientId, username);
            if (filter == null) {
                continue;
            }
            if (deny) {
                boolean hits = operation == Operation.SUBSCRIBE
                        ? TopicFilters.overlap(filter, target)
                        : TopicFilters.matches(filter, target);
                if (hits) {
                    return Decision.DENIED;
                }
            } else if (operation == Operation.SUBSCRIBE
                    ? TopicFilters.covers(filter, target)
                    : TopicFilters.matches(filter, target)) {
                decision = Decision.GRANTED;
            }
        }
        return decision;
    }

    /** Whether the file gives this user the admin right (an {@code admin} line in the user's section). */
    public boolean isAdmin(String username) {
        return username != null && admins.contains(username);
    }

    /** How many rules the file holds, everyone's and all users'. */
    public int ruleCount() {
        return everyone.size() + users.values().stream().mapToInt(List::size).sum();
    }
}
