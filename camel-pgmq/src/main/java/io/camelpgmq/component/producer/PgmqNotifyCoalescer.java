package io.camelpgmq.component.producer;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.camelpgmq.client.PgmqClient;

/**
 * At most about one NOTIFY per channel per window from one producer: NOTIFY takes a database-wide lock at commit,
 * and a burst of sends needs one wake-up, not one per message. One per component, state per channel.
 * <p>
 * <b>The contract with consumers.</b> A coalescing send notifies with the payload {@code {"coalesce_ms":W}} (exactly
 * that JSON, W the window in whole milliseconds, 1 to {@value #MAX_WINDOW_MILLIS}). A consumer that receives it
 * reads at once and reads once more W ms after it received it (every such notification asks for its own trailing
 * read: a read pending for an earlier notification satisfies a later one only if it happens W ms or more after the
 * later one was received). {@link #trailingReadDelayMillis} parses the payload. Producers that do not coalesce
 * notify with the empty payload, as pgmq's trigger does.
 * <p>
 * <b>Why nothing waits for the poll.</b> A send skips its NOTIFY only inside a <i>confirmed</i> window: one opened by
 * a notifying send of this producer that has returned, so its notification is committed. That notification was
 * committed after the notifying send started, at {@code start}, so every consumer's trailing read happens after
 * {@code start + W}. A skipped send that returns (auto-commit: committed) by {@code start + W} is therefore seen by
 * that trailing read; one that returns later says so ({@link Send#returned()}) and its caller notifies on its own.
 * Sends whose commit the producer does not control (a caller's connection, a joined transaction) never skip and
 * never open a window: a rolled-back leading NOTIFY cannot silence later committed sends.
 * <p>
 * <b>Leading edge and renewal.</b> The first send of a quiet period notifies at once. Sends in the first half of a
 * window skip; the first send in the second half notifies again (one renewal at a time) and so moves the window
 * forward, so under a steady stream a skipped message waits at most about half a window for a notification, and
 * sends rarely outlive their window. Sends that start while no window is confirmed yet (the first send still in
 * flight) notify too: correct, and at most one per concurrent sender.
 * <p>
 * Time is {@link System#nanoTime()}, only ever compared within this JVM; the consumer measures its W on its own
 * clock from a moment (receipt) that comes after the commit, which is what makes the rule hold across JVMs.
 */
public final class PgmqNotifyCoalescer {

    /** The longest window a producer may use and a consumer accepts from a payload. */
    public static final long MAX_WINDOW_MILLIS = 10_000;

    // the exact format, with optional whitespace between tokens; digits bounded so that parsing cannot overflow
    private static final Pattern PAYLOAD = Pattern.compile("\\s*\\{\\s*\"coalesce_ms\"\\s*:\\s*(\\d{1,9})\\s*}\\s*");
    private static final int MAX_PAYLOAD_LENGTH = 64;

    private final long windowNanos;
    private final String payload;
    private final LongSupplier clock;
    private final ConcurrentMap<String, Window> windows = new ConcurrentHashMap<>();

    /** A coalescer with a window of {@code windowMillis} (1 to {@value #MAX_WINDOW_MILLIS}). */
    public PgmqNotifyCoalescer(long windowMillis) {
        this(windowMillis, System::nanoTime);
    }

    /** A coalescer whose window runs on {@code nanoClock}: System::nanoTime, or a clock a test moves by hand. */
    public PgmqNotifyCoalescer(long windowMillis, LongSupplier nanoClock) {
        if (windowMillis < 1 || windowMillis > MAX_WINDOW_MILLIS) {
            throw new IllegalArgumentException("The NOTIFY coalescing window must be 1 to " + MAX_WINDOW_MILLIS
                                               + " ms (0 turns coalescing off), but was " + windowMillis + " ms.");
        }
        this.windowNanos = windowMillis * 1_000_000L;
        this.payload = payload(windowMillis);
        this.clock = nanoClock;
    }

    /** The payload a coalescing producer notifies with: {@code {"coalesce_ms":W}}. */
    public static String payload(long windowMillis) {
        return "{\"coalesce_ms\":" + windowMillis + "}";
    }

    /**
     * How long after receiving a notification with this payload a consumer reads once more: the window W of a
     * payload {@code {"coalesce_ms":W}} with 1 &lt;= W &lt;= {@value #MAX_WINDOW_MILLIS}, else -1 (no trailing read
     * asked for). The payload is untrusted input: null, empty, anything else, non-JSON, negative, zero or too large
     * give -1.
     */
    public static long trailingReadDelayMillis(String payload) {
        if (payload == null || payload.isEmpty() || payload.length() > MAX_PAYLOAD_LENGTH) {
            return -1;
        }
        Matcher m = PAYLOAD.matcher(payload);
        if (!m.matches()) {
            return -1;
        }
        long millis = Long.parseLong(m.group(1));
        return millis >= 1 && millis <= MAX_WINDOW_MILLIS ? millis : -1;
    }

    public long getWindowMillis() {
        return windowNanos / 1_000_000L;
    }

    /** A send to coalesce on {@code channel}: give it to the client as its {@link PgmqClient.NotifyChoice}. */
    public Send begin(String channel) {
        return new Send(windows.computeIfAbsent(channel, c -> new Window()), false);
    }

    /** A NOTIFY of its own (for a send that outlived its window): always notifies, and opens a window. */
    public Send notifyAlone(String channel) {
        return new Send(windows.computeIfAbsent(channel, c -> new Window()), true);
    }

    /** One channel's window: guarded by its own monitor, held only for a few comparisons. */
    private static final class Window {
        private boolean confirmed;
        // start of the notifying send that opened the confirmed window
        private long start;
        private boolean renewing;
    }

    private enum Kind {
        UNDECIDED,
        /** notifies with the empty payload and opens no window (a joined transaction) */
        PLAIN,
        /** notifies with the payload; opens (or moves) the window when it returns */
        LEADING,
        /** skipped its NOTIFY, covered by the window that ends at {@code deadline} */
        SKIPPED
    }

    /** One send's part in the coalescing: decided on its connection, settled when it returns or fails. */
    public final class Send implements PgmqClient.NotifyChoice {

        private final Window window;
        private final boolean alone;
        private Kind kind = Kind.UNDECIDED;
        private long start;
        private long deadline;
        private boolean renewer;

        private Send(Window window, boolean alone) {
            this.window = window;
            this.alone = alone;
        }

        @Override
        public String payload(boolean commitsOnReturn) {
            if (!commitsOnReturn) {
                // its commit is the caller's: it may come late or never, so it notifies for itself and opens nothing
                kind = Kind.PLAIN;
                return "";
            }
            long now = clock.getAsLong();
            synchronized (window) {
                if (!alone && window.confirmed) {
                    long elapsed = now - window.start;
                    if (elapsed < windowNanos / 2 || (window.renewing && elapsed < windowNanos * 3 / 4)) {
                        kind = Kind.SKIPPED;
                        deadline = window.start + windowNanos;
                        return null;
                    }
                }
                if (!window.renewing) {
                    window.renewing = true;
                    renewer = true;
                }
            }
            kind = Kind.LEADING;
            start = now;
            return payload;
        }

        /**
         * The send returned normally (so it committed, or joined its caller's transaction). Returns true when it
         * skipped its NOTIFY but returned after its window ended: the caller must now notify on its own
         * ({@link #notifyAlone}), or its message could wait for the poll.
         */
        public boolean returned() {
            switch (kind) {
                case LEADING -> {
                    synchronized (window) {
                        if (!window.confirmed || start - window.start > 0) {
                            window.start = start;
                            window.confirmed = true;
                        }
                        if (renewer) {
                            window.renewing = false;
                        }
                    }
                    return false;
                }
                case SKIPPED -> {
                    return clock.getAsLong() - deadline > 0;
                }
                default -> {
                    return false;
                }
            }
        }

        /**
         * The send failed. Returns true when it had skipped its NOTIFY: a failure at commit can leave the message
         * committed without anyone knowing, so the caller notifies on its own to be safe.
         */
        public boolean failed() {
            if (kind == Kind.LEADING && renewer) {
                synchronized (window) {
                    window.renewing = false;
                }
            }
            return kind == Kind.SKIPPED;
        }

        /** Whether this send skipped its NOTIFY (for tests and metrics). */
        public boolean skipped() {
            return kind == Kind.SKIPPED;
        }
    }
}
