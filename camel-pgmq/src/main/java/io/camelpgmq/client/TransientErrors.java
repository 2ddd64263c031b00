package io.camelpgmq.client;

import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;

/**
 * Tells a failure that may succeed when tried again (the connection or the server went away, the database is
 * read-only while a standby is promoted, a serialization failure or a deadlock) from one that will fail the same way
 * again (a missing privilege, a dropped queue, a bad statement).
 */
public final class TransientErrors {

    /** SQLState of "cannot execute ... in a read-only transaction": a standby being promoted, read-only on for a while. */
    static final String READ_ONLY_SQL_TRANSACTION = "25006";

    private TransientErrors() {
    }

    /** Whether an SQLException in the failure's causes says the statement may succeed when run again. */
    public static boolean isTransient(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLTransientException || t instanceof SQLRecoverableException) {
                return true;
            }
            if (t instanceof SQLException e && isTransientState(e.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Connection exceptions (class 08), operator intervention (57P01 admin shutdown, 57P02 crash shutdown, 57P03
     * cannot connect now), insufficient resources (class 53, e.g. too many connections), a read-only transaction
     * (25006), serialization failure (40001) and deadlock (40P01).
     */
    static boolean isTransientState(String state) {
        if (state == null) {
            return false;
        }
        return state.startsWith("08") || state.startsWith("53") || state.startsWith("57P")
               || READ_ONLY_SQL_TRANSACTION.equals(state) || "40001".equals(state) || "40P01".equals(state);
    }
}
