package io.camelpgmq.examples.cache;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import io.camelpgmq.examples.ExampleDatabase;

/** The products table, and the writer that NOTIFYs the changed key in the same transaction. */
public class ProductStore {

    public static final String CHANNEL = "product_changed";
    private final ExampleDatabase db;

    public ProductStore(ExampleDatabase db) {
        this.db = db;
    }

    public void reset() throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS products");
            st.execute("CREATE TABLE products (key text PRIMARY KEY, price numeric(10,2) NOT NULL)");
            st.execute("INSERT INTO products VALUES ('apple', 1.00), ('bread', 2.50), ('cheese', 7.90)");
        }
    }

    public BigDecimal price(String key) throws SQLException {
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement("SELECT price FROM products WHERE key = ?")) {
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
            try (PreparedStatement update = c.prepareStatement("UPDATE products SET price = ? WHERE key = ?");
                 PreparedStatement notify = c.prepareStatement("SELECT pg_notify(?, ?)")) {
                update.setBigDecimal(1, price);
                update.setString(2, key);
                update.executeUpdate();
                notify.setString(1, CHANNEL);
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
