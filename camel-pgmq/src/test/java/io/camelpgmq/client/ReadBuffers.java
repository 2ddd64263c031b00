package io.camelpgmq.client;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What one run of a read statement costs the server, in buffers (shared blocks hit or read), under each of
 * PostgreSQL's plan choices: a read that walks through the queue shows as thousands of them, whatever the timing.
 */
final class ReadBuffers {

    private ReadBuffers() {
    }

    /**
     * Asserts that the read touches fewer than {@code most} buffers with a custom plan and with the generic plan (the
     * one PostgreSQL keeps for a prepared statement).
     */
    static void assertFewerThan(long most, DataSource dataSource, String sql, Object[] parameters, String queueTable)
            throws Exception {
        for (String planMode : List.of("force_custom_plan", "force_generic_plan")) {
            long buffers = ofOneRun(dataSource, sql, parameters, planMode);
            assertTrue(buffers < most, planMode + ": the read touched " + buffers + " buffers (the queue table has "
                                       + heapPages(dataSource, queueTable) + " heap pages): it read through the queue");
        }
    }

    /** The buffers one run of {@code sql} touches under {@code plan_cache_mode = planMode}; rolled back. */
    static long ofOneRun(DataSource dataSource, String sql, Object[] parameters, String planMode) throws Exception {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("SET LOCAL plan_cache_mode = " + planMode);
            }
            try (PreparedStatement ps = c.prepareStatement("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)) {
                for (int k = 0; k < parameters.length; k++) {
                    ps.setObject(k + 1, parameters[k]);
                }
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    String plan = rs.getString(1);
                    // the top node's buffers include every node below it (the first of each in the JSON)
                    return firstNumber(plan, "Shared Hit Blocks") + firstNumber(plan, "Shared Read Blocks");
                }
            } finally {
                c.rollback();
            }
        }
    }

    private static long heapPages(DataSource dataSource, String queueTable) throws Exception {
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT pg_relation_size(?::regclass) / 8192");) {
            ps.setString(1, queueTable);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static long firstNumber(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\": (\\d+)").matcher(json);
        assertTrue(m.find(), key + " in " + json);
        return Long.parseLong(m.group(1));
    }
}
