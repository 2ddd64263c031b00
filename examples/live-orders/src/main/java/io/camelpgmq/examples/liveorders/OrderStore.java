package io.camelpgmq.examples.liveorders;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import io.camelpgmq.examples.ExampleDatabase;
import io.camelpgmq.examples.ExampleNames;

/**
 * The orders table: the durable state. Every change NOTIFYs the order's id in the same transaction. The table and the
 * channel are this run's own ({@code live_orders_<random>}): on your database nothing else is touched, and
 * {@link #drop()} removes the table at the end.
 */
public class OrderStore {

    /** One order, as the page shows it. */
    public record Order(int id, String customer, String status, String updatedAt) {
    }

    /** updated_at as an ISO-8601 UTC text with microseconds: the page compares it to keep the newest. */
    private static final String UPDATED_AT = "to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')";
    static final String[] CUSTOMERS = { "Ada", "Grace", "Linus", "Barbara", "Ken", "Margaret", "Edsger", "Frances" };

    private final ExampleDatabase db;
    private final String table = ExampleNames.unique("live_orders");
    private final String channel = table + "_changed";

    public OrderStore(ExampleDatabase db) {
        this.db = db;
    }

    /** The channel each change NOTIFYs, with the order's id as payload. */
    public String channel() {
        return channel;
    }

    /** Creates this run's table with eight new orders. */
    public void create() throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE " + table + " (id int PRIMARY KEY, customer text NOT NULL, status text NOT NULL,"
                       + " updated_at timestamptz NOT NULL DEFAULT now())");
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + table
                                                           + " (id, customer, status) VALUES (?, ?, 'new')")) {
                for (int i = 0; i < CUSTOMERS.length; i++) {
                    ps.setInt(1, i + 1);
                    ps.setString(2, CUSTOMERS[i]);
                    ps.executeUpdate();
                }
            }
        }
    }

    /** Drops this run's table (only the one {@link #create()} made). */
    public void drop() throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS " + table);
        }
    }

    public List<Order> all() throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT id, customer, status, " + UPDATED_AT + " AS at"
                                            + " FROM " + table + " ORDER BY id")) {
            List<Order> orders = new ArrayList<>();
            while (rs.next()) {
                orders.add(order(rs));
            }
            return orders;
        }
    }

    public Order find(int id) throws SQLException {
        try (Connection c = db.connect();
             PreparedStatement ps = c.prepareStatement("SELECT id, customer, status,"
                                                       + " " + UPDATED_AT + " AS at FROM " + table + " WHERE id = ?")) {
            ps.setInt(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? order(rs) : null;
            }
        }
    }

    /**
     * Changes an order's status and NOTIFYs its id, in one transaction: PostgreSQL delivers the notification when the
     * transaction commits, so a listener never hears of a change it cannot read yet, nor of one that was rolled back.
     */
    public void updateAndNotify(int id, String status) throws SQLException {
        try (Connection c = db.connect()) {
            c.setAutoCommit(false);
            try (PreparedStatement update = c.prepareStatement(
                         "UPDATE " + table + " SET status = ?, updated_at = now() WHERE id = ?");
                 PreparedStatement notify = c.prepareStatement("SELECT pg_notify(?, ?)")) {
                update.setString(1, status);
                update.setInt(2, id);
                update.executeUpdate();
                notify.setString(1, channel);
                notify.setString(2, Integer.toString(id));
                notify.execute();
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        }
    }

    private static Order order(ResultSet rs) throws SQLException {
        return new Order(rs.getInt("id"), rs.getString("customer"), rs.getString("status"), rs.getString("at"));
    }
}
