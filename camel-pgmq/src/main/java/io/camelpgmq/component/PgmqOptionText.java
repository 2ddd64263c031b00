package io.camelpgmq.component;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

import org.apache.camel.util.TimeUtils;

/**
 * Reads endpoint options from their raw URI text, before Camel's property binding: that binding turns a duration such
 * as {@code 30s} into milliseconds, which an option counted in seconds would then take as 30,000 seconds.
 */
final class PgmqOptionText {

    /** Endpoint options whose value is a whole number of seconds. */
    static final String[] SECONDS_OPTIONS = { "visibilityTimeout", "delay" };

    private PgmqOptionText() {
    }

    /** Rewrites the seconds-valued options given as durations to whole seconds, and checks the enum options. */
    static void normalize(Map<String, Object> parameters) {
        for (String option : SECONDS_OPTIONS) {
            Object raw = parameters.get(option);
            if (raw instanceof String text) {
                parameters.put(option, Long.toString(seconds(option, text)));
            }
        }
        checkEnum(parameters, "onSuccess", PgmqOnSuccess.class);
        checkEnum(parameters, "operation", PgmqOperations.class);
    }

    /**
     * A plain number is seconds; a duration ({@code 30s}, {@code 2m}, {@code 1h30m}, {@code PT30S}) is converted to
     * seconds; a duration that is not a whole number of seconds ({@code 1500ms}) is refused.
     */
    static long seconds(String option, String text) {
        String value = text.trim();
        if (value.matches("-?\\d+")) {
            return Long.parseLong(value);
        }
        long millis;
        try {
            // ISO-8601 (PT30S) is parsed here: Camel's own parser reads it as 0
            millis = value.toUpperCase(Locale.ROOT).startsWith("P")
                    ? Duration.parse(value.toUpperCase(Locale.ROOT)).toMillis() : TimeUtils.toMilliSeconds(value);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(option + "=" + text + " is neither a number of seconds nor a duration;"
                                               + " write e.g. " + option + "=30, " + option + "=30s, " + option
                                               + "=2m or " + option + "=PT30S.",
                    e);
        }
        if (millis % 1000 != 0) {
            throw new IllegalArgumentException(option + "=" + text + " is not a whole number of seconds: pgmq counts "
                                               + option + " in seconds. Write e.g. " + option + "="
                                               + Math.max(1, Math.round(millis / 1000.0)) + "s.");
        }
        return millis / 1000;
    }

    /** Fails with the list of valid values when the option names none of them (case-insensitively, as Camel binds). */
    static <E extends Enum<E>> void checkEnum(Map<String, Object> parameters, String option, Class<E> type) {
        if (!(parameters.get(option) instanceof String text)) {
            return;
        }
        E[] values = type.getEnumConstants();
        String wanted = text.trim().toLowerCase(Locale.ROOT);
        for (E value : values) {
            if (value.name().toLowerCase(Locale.ROOT).equals(wanted)) {
                return;
            }
        }
        throw new IllegalArgumentException(option + "=" + text + " is not a valid value; use one of "
                                           + Arrays.toString(values) + ".");
    }
}
