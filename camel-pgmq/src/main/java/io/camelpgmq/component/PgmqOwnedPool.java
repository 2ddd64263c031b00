package io.camelpgmq.component;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.function.Function;
import java.util.logging.Logger;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;

/**
 * The HikariCP pool the component creates from {@code url}, behind one DataSource that the component's clients keep.
 * When the pool turns out to go through a transaction pooler, {@link #useUnpreparedStatements} replaces it with one
 * whose connections never prepare statements server-side ({@code prepareThreshold=0}): a connection that has prepared
 * one keeps it in its statement cache, so the old pool's connections cannot be reused.
 */
final class PgmqOwnedPool implements DataSource {

    private final Function<Boolean, HikariDataSource> factory;
    private volatile HikariDataSource current;
    private volatile boolean unprepared;

    /** {@code factory} creates a started pool; its argument says whether with {@code prepareThreshold=0}. */
    PgmqOwnedPool(Function<Boolean, HikariDataSource> factory) {
        this.factory = factory;
        this.current = factory.apply(false);
    }

    /** Whether the pool's connections were created with {@code prepareThreshold=0}. */
    boolean isUnprepared() {
        return unprepared;
    }

    /**
     * Replaces the pool with one whose connections use {@code prepareThreshold=0}; returns the old pool, which the
     * caller closes (its connections in use finish their work first).
     */
    synchronized HikariDataSource useUnpreparedStatements() {
        HikariDataSource old = current;
        current = factory.apply(true);
        unprepared = true;
        return old;
    }

    /** The pool in use now. */
    HikariDataSource pool() {
        return current;
    }

    @Override
    public Connection getConnection() throws SQLException {
        return current.getConnection();
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return current.getConnection(username, password);
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return current.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        current.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        current.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return current.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return current.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
        if (type.isInstance(this)) {
            return type.cast(this);
        }
        return current.unwrap(type);
    }

    @Override
    public boolean isWrapperFor(Class<?> type) throws SQLException {
        return type.isInstance(this) || current.isWrapperFor(type);
    }
}
