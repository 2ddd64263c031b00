package io.camelpgmq.client;

/**
 * Statements that check what the database has and what the role may do there: whether pgmq is installed and which
 * version, and the privileges a consumer or producer needs ({@link PrivilegeAdvice} words the answer).
 */
final class AccessSql {

    static final String PGMQ_INSTALLED = "SELECT to_regclass('pgmq.meta') IS NOT NULL";
    static final String EXTENSION_VERSION = "SELECT extversion FROM pg_extension WHERE extname = 'pgmq'";
    // reads pg_namespace directly: to_regclass on a schema without USAGE fails instead of answering
    static final String SCHEMA_USAGE
            = "SELECT has_schema_privilege(n.oid, 'USAGE') FROM pg_namespace n WHERE n.nspname = 'pgmq'";
    static final String MISSING_FUNCTIONS
            = "SELECT f FROM unnest(?::text[]) WITH ORDINALITY AS t(f, i) WHERE to_regprocedure(f) IS NULL ORDER BY i";
    static final String FUNCTIONS_WITHOUT_EXECUTE
            = "SELECT f FROM unnest(?::text[]) WITH ORDINALITY AS t(f, i) WHERE to_regprocedure(f) IS NOT NULL"
              + " AND NOT has_function_privilege(to_regprocedure(f), 'EXECUTE') ORDER BY i";
    static final String MISSING_TABLE_PRIVILEGES
            = "SELECT t.tbl, t.priv FROM unnest(?::text[], ?::text[]) WITH ORDINALITY AS t(tbl, priv, i)"
              + " WHERE to_regclass(t.tbl) IS NOT NULL AND NOT has_table_privilege(to_regclass(t.tbl), t.priv)"
              + " ORDER BY i";
    static final String CURRENT_USER = "SELECT current_user";
    static final String ANY_SECURITY_INVOKER
            = "SELECT coalesce(bool_or(NOT p.prosecdef), false) FROM pg_proc p"
              + " WHERE p.oid IN (SELECT to_regprocedure(f) FROM unnest(?::text[]) AS f)";

    private AccessSql() {
    }
}
