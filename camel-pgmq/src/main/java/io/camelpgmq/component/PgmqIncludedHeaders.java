package io.camelpgmq.component;

import java.util.Arrays;
import java.util.List;

/**
 * The pgmq headers a consumer turns into exchange headers (option {@code includeHeaders}): names, or prefixes ending
 * in {@code *}, matched ignoring case as Camel looks headers up. Deliberately no regular expressions: an allow-list
 * should admit what it says and nothing more.
 * <p>
 * Why: a header read from a queue is the sender's, and Camel producers later in the route obey headers that are not
 * Camel's ({@code to} for smtp:, {@code kafka.OVERRIDE_TOPIC}, {@code Authorization} for http:), which the Camel
 * prefix filter of {@link PgmqHeaderFilterStrategy} does not stop.
 */
final class PgmqIncludedHeaders {

    /** Every header (the default): only the header filter strategy decides. */
    static final PgmqIncludedHeaders ALL = new PgmqIncludedHeaders(null);

    private final List<String> entries;

    private PgmqIncludedHeaders(List<String> entries) {
        this.entries = entries;
    }

    /** @param includeHeaders comma-separated names or prefixes ending in *; {@code null} or blank for every header */
    static PgmqIncludedHeaders of(String includeHeaders) {
        if (includeHeaders == null || includeHeaders.isBlank()) {
            return ALL;
        }
        return new PgmqIncludedHeaders(Arrays.stream(includeHeaders.split(","))
                .map(String::trim)
                .filter(entry -> !entry.isEmpty())
                .toList());
    }

    boolean includes(String name) {
        if (entries == null) {
            return true;
        }
        for (String entry : entries) {
            if (entry.endsWith("*")
                    ? name.regionMatches(true, 0, entry, 0, entry.length() - 1)
                    : name.equalsIgnoreCase(entry)) {
                return true;
            }
        }
        return false;
    }
}
