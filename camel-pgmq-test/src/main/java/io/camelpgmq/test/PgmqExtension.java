package io.camelpgmq.test;

import javax.sql.DataSource;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit 5: a real PostgreSQL with pgmq for the test, chosen once per JVM by {@link PgmqTestDatabase}
 * ({@code PGMQ_TEST_JDBC_URL}, else Testcontainers' pgmq image where a Docker engine answers, else an embedded
 * PostgreSQL; pgmq's extension where the server has it, else camel-pgmq's compatible SQL).
 * <p>
 * Test methods and lifecycle methods ({@code @BeforeEach}, {@code @BeforeAll}, ...) may take a {@link PgmqQueues} (helpers; the queues it creates are
 * dropped after the test, or after all tests when it was taken in {@code @BeforeAll}), a {@link DataSource} (the
 * shared pool: do not close it) or the {@link PgmqTestDatabase} itself:
 *
 * <pre>{@code
 * @ExtendWith(PgmqExtension.class)
 * class MyRouteTest {
 *     @Test
 *     void works(PgmqQueues pgmq) { String queue = pgmq.newQueue("orders"); ... }
 * }
 * }</pre>
 */
public final class PgmqExtension implements ParameterResolver, AfterEachCallback, AfterAllCallback {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(PgmqExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == PgmqQueues.class || type == DataSource.class || type == PgmqTestDatabase.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        PgmqTestDatabase db = PgmqTestDatabase.get();
        if (type == PgmqTestDatabase.class) {
            return db;
        }
        if (type == DataSource.class) {
            return db.dataSource();
        }
        // one per extension context (the test, or the class for @BeforeAll), so that its queues go with it; the key
        // names the context, as the store's look-ups also search the parents' stores
        return context.getStore(NAMESPACE).getOrComputeIfAbsent(key(context), key -> PgmqQueues.on(db.dataSource()),
                PgmqQueues.class);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        dropQueuesOf(context);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        dropQueuesOf(context);
    }

    private static void dropQueuesOf(ExtensionContext context) {
        PgmqQueues queues = context.getStore(NAMESPACE).remove(key(context), PgmqQueues.class);
        if (queues != null) {
            queues.dropCreated();
        }
    }

    private static String key(ExtensionContext context) {
        return "queues:" + context.getUniqueId();
    }
}
