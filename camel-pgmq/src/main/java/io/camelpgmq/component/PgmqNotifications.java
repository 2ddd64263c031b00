package io.camelpgmq.component;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads what a notification's payload says about the sender. Payloads come from any session that may NOTIFY the
 * channel, so they are untrusted: anything but the one exact form is ignored.
 */
final class PgmqNotifications {

    /** The longest coalescing window a payload may announce; a larger one is ignored. */
    static final long MAX_WINDOW_MILLIS = 10_000;
    private static final Pattern COALESCE = Pattern.compile("\\{\"coalesce_ms\":(\\d{1,5})}");

    private PgmqNotifications() {
    }

    /**
     * The window in which the sender leaves out further notifications (its sends inside it are found by a trailing
     * read at its end), or 0 when the payload announces none.
     */
    static long coalesceWindowMillis(String payload) {
        if (payload == null || payload.isEmpty() || payload.length() > 32) {
            return 0;
        }
        Matcher m = COALESCE.matcher(payload);
        if (!m.matches()) {
            return 0;
        }
        long window = Long.parseLong(m.group(1));
        return window <= MAX_WINDOW_MILLIS ? window : 0;
    }
}
