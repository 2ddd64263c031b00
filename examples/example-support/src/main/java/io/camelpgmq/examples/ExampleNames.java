package io.camelpgmq.examples;

import java.security.SecureRandom;
import java.util.Locale;

/**
 * Names for the tables, queues and channels an example creates: a prefix of its own and a random suffix per run, so
 * that on your database it never takes, changes or drops an object it did not create (and two runs do not meet).
 */
public final class ExampleNames {

    private static final SecureRandom RANDOM = new SecureRandom();

    private ExampleNames() {
    }

    /** {@code prefix_xxxxxx}: lower-case letters, digits and underscores, safe as an SQL identifier and queue name. */
    public static String unique(String prefix) {
        if (!prefix.matches("[a-z][a-z0-9_]{0,30}")) {
            throw new IllegalArgumentException("Not a plain lower-case prefix: " + prefix);
        }
        String suffix = Long.toString(RANDOM.nextLong() & Long.MAX_VALUE, 36);
        return prefix + "_" + suffix.substring(0, 6).toLowerCase(Locale.ROOT);
    }
}
