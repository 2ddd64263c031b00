package io.camelpgmq.component;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import io.camelpgmq.client.PgmqClient;
import io.camelpgmq.client.PgmqClient.TablePrivilege;
import io.camelpgmq.client.PgmqException;
import io.camelpgmq.client.PrivilegeAdvice;
import io.camelpgmq.client.QueueNames;

/**
 * Checks at start what an endpoint will need at every read or send: that the installed pgmq has each function it
 * calls (with camel-pgmq's exact signatures), and that the role may use them and the queue's tables. A role that
 * cannot fails here, once, with the GRANT to run, instead of failing every read later.
 */
final class PgmqAccessCheck {

    static final String COMPATIBILITY = "camel-pgmq needs pgmq 1.13 or camel-pgmq's compatible SQL";

    private static final String READ = "pgmq.read(text,integer,integer,jsonb)";
    private static final List<String> COMPLETE = List.of(
            "pgmq.archive(text,bigint)", "pgmq.archive(text,bigint[])",
            "pgmq.delete(text,bigint)", "pgmq.delete(text,bigint[])");
    private static final List<String> SET_VT = List.of(
            "pgmq.set_vt(text,bigint,integer)", "pgmq.set_vt(text,bigint[],integer)");
    private static final List<String> SEND = List.of(
            "pgmq.send(text,jsonb)", "pgmq.send(text,jsonb,integer)", "pgmq.send(text,jsonb,jsonb,integer)");
    private static final List<String> SEND_BATCH = List.of(
            "pgmq.send_batch(text,jsonb[],integer)", "pgmq.send_batch(text,jsonb[],jsonb[],integer)");

    /** What one endpoint needs. */
    private final List<String> functions = new ArrayList<>();
    private final List<TablePrivilege> privileges = new ArrayList<>();
    private final String user;
    private boolean writesTablesDirectly;

    private PgmqAccessCheck(String user) {
        this.user = user;
    }

    /**
     * What the consumer of the endpoint needs: read (plain or grouped), complete, retry, extend, give back, and send
     * to its dead-letter queue.
     */
    static PgmqAccessCheck forConsumer(PgmqConfiguration configuration, String endpointUri) {
        PgmqAccessCheck check = new PgmqAccessCheck("the consumer of " + endpointUri);
        String queue = configuration.getQueueName();
        // a grouped consumer reads with its own statement on the queue table (its privileges are checked below)
        check.functions.add(READ);
        // completing, retrying, extending and giving back a delivery are statements on the queue's own tables (scoped
        // to the delivery read), so the role needs the table privileges even where pgmq's functions are SECURITY DEFINER
        check.writesTablesDirectly = true;
        check.table(queue, "SELECT", "UPDATE", "DELETE");
        String dlq = configuration.getDeadLetterQueue();
        boolean archives = configuration.getOnSuccess() == PgmqOnSuccess.archive
                           || dlq == null && configuration.getMaxRetries() >= 0;
        // INSERT ... RETURNING msg_id (archive, send) needs SELECT as well as INSERT
        if (archives) {
            check.archive(queue, "SELECT", "INSERT");
        }
        if (dlq != null) {
            check.functions.add("pgmq.send(text,jsonb,jsonb,integer)");
            check.table(dlq, "SELECT", "INSERT");
        }
        return check;
    }

    /** What the producer's configured operation needs (a header can pick another one per message). */
    static PgmqAccessCheck forProducer(PgmqConfiguration configuration, String endpointUri) {
        PgmqAccessCheck check = new PgmqAccessCheck("the producer of " + endpointUri + " (operation="
                                                    + configuration.getOperation() + ")");
        String queue = configuration.getQueueName();
        switch (configuration.getOperation()) {
            case send -> {
                check.functions.addAll(SEND);
                check.table(queue, "SELECT", "INSERT");
            }
            case sendBatch -> {
                check.functions.addAll(SEND_BATCH);
                check.table(queue, "SELECT", "INSERT");
            }
            case read -> {
                check.functions.add(READ);
                check.table(queue, "SELECT", "UPDATE");
            }
            case pop -> {
                check.functions.add("pgmq.pop(text,integer)");
                check.table(queue, "SELECT", "UPDATE", "DELETE");
            }
            case archive -> {
                check.functions.addAll(COMPLETE.subList(0, 2));
                check.table(queue, "SELECT", "DELETE");
                check.archive(queue, "SELECT", "INSERT");
            }
            case delete -> {
                check.functions.addAll(COMPLETE.subList(2, 4));
                check.table(queue, "SELECT", "DELETE");
            }
            case setVt -> {
                check.functions.addAll(SET_VT);
                check.table(queue, "SELECT", "UPDATE");
            }
            case purge -> {
                check.functions.add("pgmq.purge_queue(text)");
                check.table(queue, "SELECT", "TRUNCATE");
            }
            case metrics -> {
                check.functions.add("pgmq.metrics(text)");
                check.table(queue, "SELECT");
            }
            case createQueue -> check.functions.add("pgmq.create(text)");
            case dropQueue -> check.functions.add("pgmq.drop_queue(text)");
            case listQueues -> check.functions.add("pgmq.list_queues()");
            default -> {
                // every operation is listed above
            }
        }
        return check;
    }

    /**
     * The checks that need no queue: the role may use schema pgmq, and pgmq has every function. Returns false when
     * there is no schema pgmq at all (the caller reports pgmq as not installed).
     */
    boolean checkSchemaAndFunctions(PgmqClient client) {
        Optional<Boolean> usage = client.pgmqSchemaUsage();
        if (usage.isEmpty()) {
            return false;
        }
        if (!usage.get()) {
            throw new PgmqException.AccessDenied(PrivilegeAdvice.forMissing(client.currentUser(), user, false,
                    List.of(), List.of()), null);
        }
        List<String> missing = client.missingFunctions(functions);
        if (!missing.isEmpty()) {
            throw new PgmqException.Incompatible("The pgmq in this database has no function " + String.join(", ", missing)
                                                 + ", needed by " + user + ": " + COMPATIBILITY
                                                 + " (upgrade the extension with ALTER EXTENSION pgmq UPDATE, or use"
                                                 + " installSchema=true where the extension is not installed).",
                    null);
        }
        return true;
    }

    /** The privileges on the functions and on the queue's tables (those that exist). */
    void checkPrivileges(PgmqClient client) {
        // functions installed SECURITY DEFINER act with their owner's rights: then the tables are not the caller's concern
        List<TablePrivilege> tables = writesTablesDirectly || client.anySecurityInvoker(functions)
                ? client.missingTablePrivileges(privileges) : List.of();
        List<String> notExecutable = client.functionsWithoutExecute(functions);
        if (!tables.isEmpty() || !notExecutable.isEmpty()) {
            throw new PgmqException.AccessDenied(PrivilegeAdvice.forMissing(client.currentUser(), user, true, tables,
                    notExecutable), null);
        }
    }

    List<String> functions() {
        return List.copyOf(functions);
    }

    private void table(String queue, String... wanted) {
        for (String privilege : wanted) {
            privileges.add(new TablePrivilege("pgmq." + QueueNames.queueTable(queue), privilege));
        }
    }

    private void archive(String queue, String... wanted) {
        for (String privilege : wanted) {
            privileges.add(new TablePrivilege("pgmq." + QueueNames.archiveTable(queue), privilege));
        }
    }
}
