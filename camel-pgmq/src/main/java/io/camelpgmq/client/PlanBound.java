package io.camelpgmq.client;

/**
 * A planning bound for a statement whose row count is bound as a parameter, so that PostgreSQL keeps one plan for it.
 * <p>
 * Why: a prepared statement with {@code LIMIT $1} is planned again on every execution. PostgreSQL plans it with the
 * value first, compares that plan's cost with a plan for any value (which assumes a limit of 10 % of the rows), finds
 * the latter far dearer and keeps planning per execution: 0.3 ms for the consumer's plain read, 0.5-1.2 ms for its
 * grouped read, more than either takes to run. So the reads write {@code LIMIT <bound>} on an inner query (a constant
 * PostgreSQL can plan with) and {@code LIMIT ?} (the bound value) on the query above it. The executor pulls rows on
 * demand: the inner query locks a row only when the outer one asks for it, so exactly the bound value of rows is
 * locked and read; the bound only tells the planner how many rows can come. Both plans then cost the same and
 * PostgreSQL keeps the one for any value, which is small: it also never reaches {@code jit_above_cost}.
 * <p>
 * The bound is one of a fixed set of the client's own numbers (powers of two), written by {@link Integer#toString}: the
 * statement's text carries no value given by a caller, and a consumer of any batch size uses one statement text.
 */
final class PlanBound {

    private static final int LARGEST = 1 << 30;

    private PlanBound() {
    }

    /** The smallest power of two at least {@code count} ({@code count} >= 1), or {@link Integer#MAX_VALUE}. */
    static int of(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("count must be at least 1, but was " + count);
        }
        if (count > LARGEST) {
            return Integer.MAX_VALUE;
        }
        return count == 1 ? 1 : Integer.highestOneBit(count - 1) << 1;
    }

    /**
     * {@link #of} as the statement writes it: by {@link Integer#toString}, never by a locale-aware formatter (whose
     * digits can be other than ASCII, as {@code String.format("%d")} writes them in a Thai or Arabic locale).
     */
    static String literal(int count) {
        return Integer.toString(of(count));
    }
}
