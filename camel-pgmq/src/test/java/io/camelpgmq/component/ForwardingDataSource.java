package io.camelpgmq.component;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;

import javax.sql.DataSource;

/**
 * A DataSource that forwards every call to its target, for tests that change what a DataSource lends (override
 * {@link #getConnection()}) or where it leads ({@link #setTarget}). With {@code revealsTarget}, {@code unwrap} and
 * {@code isWrapperFor} reach the target, as Spring's DataSource proxies do; without, it wraps nothing, so the component
 * cannot see the pool behind it.
 */
class ForwardingDataSource implements DataSource {

    private final boolean revealsTarget;
    private volatile DataSource target;

    ForwardingDataSource(DataSource target, boolean revealsTarget) {
        this.target = target;
        this.revealsTarget = revealsTarget;
    }

    DataSource target() {
        return target;
    }

    /** Leads elsewhere from now on, like an address whose server changed. */
    void setTarget(DataSource target) {
        this.target = target;
    }

    @Override
    public Connection getConnection() throws SQLException {
        return target.getConnection();
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return target.getConnection(username, password);
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return target.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        target.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        target.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return target.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return target.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (revealsTarget) {
            return iface.isInstance(target) ? iface.cast(target) : target.unwrap(iface);
        }
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        throw new SQLException("not a wrapper for " + iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return revealsTarget ? iface.isInstance(target) || target.isWrapperFor(iface) : iface.isInstance(this);
    }
}
