package io.camelpgmq.examples.cache;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import io.camelpgmq.examples.ExampleDatabase;
import io.camelpgmq.examples.ExampleNames;

/**
 * The products table, and the writer that NOTIFYs the changed key in the same transaction. The table and the channel
 * are this run's own ({@code products_<random>}): on your database nothing else is touched, and {@link #drop()}
 * removes the table at the end.
 */
public class ProductStore {

    private final ExampleDatabase db;
    private final String table = ExampleNames.unique("products");
    private final String channel = table + "_changed";

    public ProductStore(ExampleDatabase db) {
        this.db = db;
    }

    /** The channel a change of a price is NOTIFYed on. */
    public String channel() {
        return channel;
    }

    /** Creates this run's table with three products. */
    public void create() throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE " + table + " (key text PRIMARY KEY, price numeric(10,2) NOT NULL)");
            st.execute("INSERT INTO " + table + " VALUES ('apple', 1.00), ('bread', 2.50), ('cheese', 7.90)");
        }
    }

    /** Drops this run's table (only the one {@link #create()} made). */
    public void drop() throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS " + table);
        }
    }

    public BigDecimal price(String key) throws SQLException {
        try (Connection c = db.connect();
             PreparedStatement ps = c.prepareStatement("SELECT price FROM " + table + " WHERE key = ?")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getBigDecimal(1) : null;
            }
        }
    }

    /**
     * Changes a price and NOTIFYs the key, in one transaction: PostgreSQL delivers the notification when the transaction
     * commits, so a cache never evicts before the new price can be read, nor for a change that was rolled back.
     */
    public void updateAndNotify(String key, BigDecimal price) throws SQLException {
        try (Connection c = db.connect()) {
            c.setAutoCommit(false);
            try (PreparedStatement update = c.prepareStatement("UPDATE " + table + " SET price = ? WHERE key = ?");
                 PreparedStatement notify = c.prepareStatement("SELECT pg_notify(?, ?)")) {
                update.setBigDecimal(1, price);
                update.setString(2, key);
                update.executeUpdate();
                notify.setString(1, channel);
                notify.setString(2, key);
                notify.execute();
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        }
    }
}
