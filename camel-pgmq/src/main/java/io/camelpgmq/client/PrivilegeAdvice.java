package io.camelpgmq.client;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Words for a missing privilege: what the role lacks, and the GRANT that gives it. */
public final class PrivilegeAdvice {

    private static final Pattern DENIED = Pattern.compile("permission denied for (schema|table|relation|function"
                                                          + "|sequence|view) \"?([\\w.]+)\"?");

    private PrivilegeAdvice() {
    }

    /** The message for PostgreSQL's "permission denied" (SQLState 42501) during a pgmq operation. */
    static String forDenial(String pgText, String operation, String queueName, String role) {
        String who = role == null ? "the database role" : "role " + role;
        String to = role == null ? "<role>" : quoteRole(role);
        String where = queueName == null ? "" : " on queue '" + queueName + "'";
        StringBuilder text = new StringBuilder("pgmq.").append(operation).append(where).append(" was refused: ")
                .append(who).append(" lacks a privilege (").append(pgText).append("). ");
        Matcher m = DENIED.matcher(pgText);
        String kind = m.find() ? m.group(1) : "";
        String object = kind.isEmpty() ? "" : m.group(2);
        String qualified = object.contains(".") ? object : "pgmq." + object;
        switch (kind) {
            case "schema" -> text.append("GRANT USAGE ON SCHEMA ").append(object).append(" TO ").append(to)
                    .append(isCreate(operation) ? "; creating a queue also needs CREATE ON SCHEMA pgmq and INSERT ON"
                                                  + " pgmq.meta (or create queues as pgmq's owner)." : ".");
            case "table", "relation", "view" -> text.append(isCreate(operation)
                    ? "Creating a queue needs CREATE ON SCHEMA pgmq and INSERT ON pgmq.meta; GRANT them to " + to
                      + ", or create the queue as pgmq's owner and GRANT its tables to " + to + "."
                    : "GRANT the privilege on " + qualified + " TO " + to + " (a consumer needs SELECT, UPDATE,"
                      + " DELETE on the queue table q_<queue> and SELECT, INSERT on the archive table a_<queue>; a"
                      + " producer SELECT, INSERT on q_<queue>)");
            case "function" -> text.append("GRANT EXECUTE ON FUNCTION ").append(qualified).append(" TO ")
                    .append(to).append('.');
            case "sequence" -> text.append("GRANT USAGE ON SEQUENCE ").append(qualified).append(" TO ").append(to)
                    .append('.');
            default -> text.append("GRANT the missing privilege to ").append(to)
                    .append(", or use a role that has it.");
        }
        return text.toString();
    }

    /**
     * The message for privileges found missing at start: names each and the GRANT statements that give them, e.g.
     * {@code role app lacks UPDATE on pgmq.q_orders; GRANT SELECT, UPDATE ON pgmq.q_orders TO app}.
     */
    public static String forMissing(String role, String user, boolean schemaUsage,
                                    List<PgmqClient.TablePrivilege> tables, List<String> functions) {
        String to = quoteRole(role);
        List<String> lacks = new ArrayList<>();
        List<String> grants = new ArrayList<>();
        if (!schemaUsage) {
            lacks.add("USAGE on schema pgmq");
            grants.add("GRANT USAGE ON SCHEMA pgmq TO " + to);
        }
        Map<String, List<String>> byTable = new LinkedHashMap<>();
        for (PgmqClient.TablePrivilege p : tables) {
            lacks.add(p.toString());
            byTable.computeIfAbsent(p.table(), t -> new ArrayList<>()).add(p.privilege());
        }
        byTable.forEach((table, privileges) -> grants.add("GRANT " + String.join(", ", privileges) + " ON " + table
                                                          + " TO " + to));
        for (String f : functions) {
            lacks.add("EXECUTE on function " + f);
            grants.add("GRANT EXECUTE ON FUNCTION " + f + " TO " + to);
        }
        return "role " + role + " lacks " + String.join(", ", lacks) + " (needed by " + user + "); "
               + String.join("; ", grants) + ".";
    }

    private static boolean isCreate(String operation) {
        return operation != null && operation.startsWith("create");
    }

    // a role name is an identifier: quote it when it is not a plain lower-case one
    private static String quoteRole(String role) {
        return role.matches("[a-z_][a-z0-9_]*") ? role : "\"" + role.replace("\"", "\"\"") + "\"";
    }
}
