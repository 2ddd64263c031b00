package io.camelpgmq.client;

/**
 * Tells when reads (and completions: each round trip counts as one) prepared in the server session
 * ({@link SessionPreparedSql}) keep finding their statement missing:
 * behind a pooler that resets each server session after every transaction ({@code DISCARD ALL}, as PgBouncer's
 * {@code server_reset_query_always} does), every read would prepare again, paying for two statements and the planning
 * it set out to save. Counted in windows of {@link #WINDOW} reads: when more than half of the reads prepared in two
 * windows in a row, preparing in the session is not working. A single such window happens while a pool warms up (each
 * server session prepares each read once).
 */
final class SessionPreparationWatch {

    static final int WINDOW = 256;

    private int reads;
    private int preparations;
    private int mostlyPreparingWindows;

    /** Records a read that prepared its statement ({@code prepared}) or found it; true once preparing does not work. */
    synchronized boolean record(boolean prepared) {
        reads++;
        if (prepared) {
            preparations++;
        }
        if (reads < WINDOW) {
            return false;
        }
        mostlyPreparingWindows = preparations * 2 > reads ? mostlyPreparingWindows + 1 : 0;
        reads = 0;
        preparations = 0;
        return mostlyPreparingWindows >= 2;
    }
}
