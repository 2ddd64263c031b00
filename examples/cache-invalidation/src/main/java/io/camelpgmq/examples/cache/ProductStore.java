package io.camelpgmq.examples.cache;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import io.camelpgmq.examples.ExampleDatabase;

/** The products table, and the writer that NOTIFYs the changed key in the same statement. */
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

    /** Changes a price and NOTIFYs the key: one statement, so both commit or neither. */
    public void updateAndNotify(String key, BigDecimal price) throws SQLException {
        try (Connection c = db.connect();
             PreparedStatement ps = c.prepareStatement(
                     "WITH changed AS (UPDATE products SET price = ? WHERE key = ? RETURNING key)"
                     + " SELECT pg_notify('" + CHANNEL + "', key) FROM changed")) {
            ps.setBigDecimal(1, price);
            ps.setString(2, key);
            ps.execute();
        }
    }
}
