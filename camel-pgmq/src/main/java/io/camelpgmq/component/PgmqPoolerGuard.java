package io.camelpgmq.component;

import java.sql.Connection;
import java.sql.SQLException;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import io.camelpgmq.client.PgmqException;
import io.camelpgmq.client.PgmqSessions;
import io.camelpgmq.client.Secrets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps server-side prepared statements from crossing sessions behind a transaction pooler (PgBouncer, Supavisor, RDS
 * Proxy in transaction mode), where each transaction may run on another client's server session.
 * <p>
 * {@link #check} probes the component's DataSource ({@link PgmqSessions#probe}). Through a transaction pooler, the
 * component's own pool (from {@code url}) is replaced by one with {@code prepareThreshold=0}; a DataSource of the
 * user's whose connections prepare server-side is refused at start (later, when a re-check finds it, an ERROR and a
 * DOWN health check, as the component cannot reconfigure it). The component checks at start and after its listener
 * reconnects, when the database behind the same address may have changed (a failover, a pooler put in front).
 */
final class PgmqPoolerGuard {

    static final String FIX = "Set prepareThreshold=0 on that DataSource's connections: on Spring Boot"
                              + " spring.datasource.hikari.data-source-properties.prepareThreshold=0, with HikariCP"
                              + " config.addDataSourceProperty(\"prepareThreshold\", \"0\"), or ?prepareThreshold=0 in its"
                              + " JDBC url";
    private static final Logger LOG = LoggerFactory.getLogger(PgmqPoolerGuard.class);

    private final DataSource dataSource;
    private final PgmqOwnedPool ownedPool;
    private final DataSource producerDataSource;
    private final boolean listenerOnSamePath;
    private final String where;

    private volatile boolean checked;
    private volatile boolean transactionPooled;
    private volatile String problem;
    private boolean warnedListener;

    /**
     * @param dataSource         the component's DataSource (its own pool, or the user's)
     * @param ownedPool          the component's own pool when {@code dataSource} is it, else null
     * @param producerDataSource the producers' DataSource when it is another one, else null
     * @param listenerOnSamePath whether the listener connects the way {@code dataSource} does (no listenerUrl or
     *                           listenerDataSource)
     * @param where              the url, for messages (masked here)
     */
    PgmqPoolerGuard(DataSource dataSource, PgmqOwnedPool ownedPool, DataSource producerDataSource,
                    boolean listenerOnSamePath, String where) {
        this.dataSource = dataSource;
        this.ownedPool = ownedPool;
        this.producerDataSource = producerDataSource;
        this.listenerOnSamePath = listenerOnSamePath;
        this.where = where == null ? null : Secrets.mask(where);
    }

    /** Whether a check has reached the database (until then the path is unknown). */
    boolean isChecked() {
        return checked;
    }

    /** Whether the last check found a transaction pooler (once found, it stays so). */
    boolean isTransactionPooled() {
        return transactionPooled;
    }

    /** Why statements may cross sessions now (found by a check after start), or null. */
    String getProblem() {
        return problem;
    }

    /**
     * Probes the DataSource and makes sure nothing prepares server-side through a transaction pooler. At start a
     * DataSource that does is refused (the exception); later it is reported.
     *
     * @return the old pool the component must close, when its own pool was replaced; else null
     */
    HikariDataSource check(boolean atStart) {
        PgmqSessions.Probe probe;
        try {
            probe = probe(dataSource);
        } catch (SQLException | RuntimeException e) {
            // an unreachable database does not stop the component from starting (producers report it at their send)
            String reason = Secrets.mask(String.valueOf(e.getMessage()));
            if (atStart) {
                LOG.warn("pgmq: cannot check whether the database connection goes through a transaction pooler ({});"
                         + " checking again until it can.", reason);
            } else {
                LOG.debug("pgmq: checking for a transaction pooler failed: {}", reason);
            }
            return null;
        }
        checked = true;
        if (!probe.transactionPooled()) {
            LOG.debug("pgmq: no transaction pooler on the component's connections: {}", probe.evidence());
            return null;
        }
        transactionPooled = true;
        HikariDataSource replaced = null;
        if (ownedPool != null) {
            if (!ownedPool.isUnprepared()) {
                try {
                    replaced = ownedPool.useUnpreparedStatements();
                } catch (RuntimeException e) {
                    if (atStart) {
                        throw e;
                    }
                    // the new pool cannot connect now: try again at the next check
                    checked = false;
                    LOG.warn("pgmq: cannot replace the component's pool with an unprepared one yet: {}",
                            e.getMessage());
                    return null;
                }
                LOG.info("pgmq: the connections of {} go through a transaction pooler ({}): the component's pool uses"
                         + " unprepared statements (pgjdbc prepareThreshold=0), as a server-side prepared statement"
                         + " would run on other clients' server sessions.",
                        where, probe.evidence());
            }
            refuseIfPreparing(ownedPool, "pool from url " + where + " (its prepareThreshold in the url wins)",
                    probe, atStart);
        } else {
            refuseIfPreparing(dataSource, "dataSource", probe, atStart);
        }
        if (producerDataSource != null) {
            refuseIfPreparing(producerDataSource, "producerDataSource", probe, atStart);
        }
        if (listenerOnSamePath && !warnedListener) {
            warnedListener = true;
            LOG.warn("pgmq: the listener connects through the same transaction pooler, where LISTEN succeeds but"
                     + " never hears: set listenerUrl (or listenerDataSource) to a direct PostgreSQL connection, or to"
                     + " one through session pooling. Consumers read every second once its hearing check confirms"
                     + " it.");
        }
        return replaced;
    }

    private void refuseIfPreparing(DataSource ds, String which, PgmqSessions.Probe probe, boolean atStart) {
        int threshold;
        try (Connection c = ds.getConnection()) {
            if (!PgmqSessions.preparesServerSide(c)) {
                return;
            }
            threshold = PgmqSessions.prepareThreshold(c);
        } catch (SQLException e) {
            LOG.debug("pgmq: cannot read the prepareThreshold of the {}: {}", which, e.getMessage());
            return;
        }
        String message = "The pgmq component's " + which + " goes through a transaction pooler (PgBouncer, Supavisor"
                         + " or RDS Proxy in transaction mode: " + probe.evidence() + ") and its connections prepare"
                         + " statements server-side (pgjdbc prepareThreshold=" + threshold + "): a prepared statement"
                         + " would run on another client's server session (\"prepared statement \\\"S_1\\\" already"
                         + " exists\", or another statement run with these parameters). " + FIX + ".";
        if (atStart) {
            throw new PgmqException(message);
        }
        problem = message;
        LOG.error("{} Until then messages may fail or be processed twice.", message);
    }

    /**
     * Probes with two connections held at once where the DataSource can lend two (a pool of one would wait for its
     * connection timeout), else with one.
     */
    private static PgmqSessions.Probe probe(DataSource ds) throws SQLException {
        HikariDataSource hikari = ds.isWrapperFor(HikariDataSource.class) ? ds.unwrap(HikariDataSource.class) : null;
        boolean two = hikari == null || hikari.getMaximumPoolSize() >= 2;
        try (Connection first = ds.getConnection(); Connection second = two ? ds.getConnection() : null) {
            return PgmqSessions.probe(first, second);
        }
    }
}
