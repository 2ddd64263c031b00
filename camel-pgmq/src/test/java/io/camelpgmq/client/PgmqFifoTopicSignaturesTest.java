package io.camelpgmq.client;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Set;
import java.util.TreeSet;

import io.camelpgmq.test.PgmqTestDatabase;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The FIFO and topic functions and table have the extension's names, argument names, defaults and result types, as
 * the catalog of pgmq 1.13.0 showed them (reference sections 13 and 14): other pgmq clients call them by name.
 */
class PgmqFifoTopicSignaturesTest {

    private static final PgmqTestDatabase DB = PgmqTestDatabase.get();
    private static final String MESSAGES = "SETOF pgmq.message_record";
    private static final String POLL_ARGS = "queue_name text, vt integer, qty integer, max_poll_seconds integer DEFAULT 5,"
                                            + " poll_interval_ms integer DEFAULT 100";
    private static final String BINDINGS
            = "TABLE(pattern text, queue_name text, bound_at timestamp with time zone, compiled_regex text)";
    private static final String ROUTED = "TABLE(queue_name text, msg_id bigint)";

    @Test
    void functionsHaveTheExtensionsSignatures() throws Exception {
        Set<String> expected = new TreeSet<>(Set.of(
                "read_grouped(queue_name text, vt integer, qty integer) -> " + MESSAGES,
                "read_grouped_rr(queue_name text, vt integer, qty integer) -> " + MESSAGES,
                "read_grouped_head(queue_name text, vt integer, qty integer) -> " + MESSAGES,
                "read_grouped_with_poll(" + POLL_ARGS + ") -> " + MESSAGES,
                "read_grouped_rr_with_poll(" + POLL_ARGS + ") -> " + MESSAGES,
                "read_grouped_head_with_poll(" + POLL_ARGS + ") -> " + MESSAGES,
                "create_fifo_index(queue_name text) -> void",
                "create_fifo_indexes_all() -> void",
                "bind_topic(pattern text, queue_name text) -> void",
                "unbind_topic(pattern text, queue_name text) -> boolean",
                "list_topic_bindings() -> " + BINDINGS,
                "list_topic_bindings(queue_name text) -> " + BINDINGS,
                "test_routing(routing_key text) -> TABLE(pattern text, queue_name text, compiled_regex text)",
                "send_topic(routing_key text, msg jsonb) -> integer",
                "send_topic(routing_key text, msg jsonb, delay integer) -> integer",
                "send_topic(routing_key text, msg jsonb, headers jsonb, delay integer) -> integer",
                "send_batch_topic(routing_key text, msgs jsonb[]) -> " + ROUTED,
                "send_batch_topic(routing_key text, msgs jsonb[], headers jsonb[]) -> " + ROUTED,
                "send_batch_topic(routing_key text, msgs jsonb[], delay integer) -> " + ROUTED,
                "send_batch_topic(routing_key text, msgs jsonb[], delay timestamp with time zone) -> " + ROUTED,
                "send_batch_topic(routing_key text, msgs jsonb[], headers jsonb[], delay integer) -> " + ROUTED,
                "send_batch_topic(routing_key text, msgs jsonb[], headers jsonb[], delay timestamp with time zone) -> "
                                                                                                    + ROUTED,
                "validate_routing_key(routing_key text) -> boolean",
                "validate_topic_pattern(pattern text) -> boolean"));
        assertEquals(expected, rows("SELECT p.proname || '(' || pg_get_function_arguments(p.oid) || ') -> '"
                                    + " || pg_get_function_result(p.oid)"
                                    + " FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
                                    // (names starting with _ are the compatible SQL's own helpers)
                                    + " WHERE n.nspname = 'pgmq' AND p.proname NOT LIKE '\\_%'"
                                    + " AND (p.proname LIKE 'read\\_grouped%'"
                                    + " OR p.proname LIKE '%fifo%' OR p.proname LIKE '%topic%'"
                                    + " OR p.proname IN ('test_routing', 'validate_routing_key'))"));
    }

    @Test
    void topicBindingsTableHasTheExtensionsColumnsAndCascadesFromMeta() throws Exception {
        assertEquals(new TreeSet<>(Set.of("1 pattern text NO", "2 queue_name text NO",
                "3 bound_at timestamp with time zone NO", "4 compiled_regex text ALWAYS")),
                rows("SELECT ordinal_position || ' ' || column_name || ' ' || data_type || ' '"
                     + " || CASE WHEN is_generated = 'ALWAYS' THEN 'ALWAYS' ELSE is_nullable END"
                     + " FROM information_schema.columns WHERE table_schema = 'pgmq' AND table_name = 'topic_bindings'"));
        // one foreign key, to pgmq.meta, ON DELETE CASCADE ('c'): drop_queue's delete from meta removes the bindings
        assertEquals(Set.of("meta c"), rows("SELECT (SELECT relname FROM pg_class WHERE oid = confrelid) || ' '"
                                            + " || confdeltype::text FROM pg_constraint"
                                            + " WHERE conrelid = 'pgmq.topic_bindings'::regclass AND contype = 'f'"));
        assertEquals(Set.of("pattern,queue_name"), rows("SELECT string_agg(a.attname, ',' ORDER BY k.n)"
                + " FROM pg_constraint c, unnest(c.conkey) WITH ORDINALITY AS k(attnum, n)"
                + " JOIN pg_attribute a ON a.attnum = k.attnum"
                + " WHERE c.conrelid = 'pgmq.topic_bindings'::regclass AND c.contype = 'u'"
                + " AND a.attrelid = c.conrelid GROUP BY c.oid"));
    }

    private static Set<String> rows(String sql) throws Exception {
        Set<String> rows = new TreeSet<>();
        try (Connection c = DB.dataSource().getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                rows.add(rs.getString(1));
            }
        }
        return rows;
    }
}
