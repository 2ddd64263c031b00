package io.camelpgmq.component;

import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;

import io.camelpgmq.component.consumer.PgmqConsumerMeters;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.camel.CamelContext;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Micrometer is optional: with it hidden from the class loader, the component's classes load and its meters are the
 * no-op ones, and a meterRegistry given anyway is refused with a message that says what is missing.
 */
class PgmqMetersWithoutMicrometerTest {

    /** camel-pgmq's classes loaded afresh, everything else from the test's loader, io.micrometer from nowhere. */
    private static final class WithoutMicrometer extends URLClassLoader {

        WithoutMicrometer() {
            super(new URL[] { PgmqMeters.class.getProtectionDomain().getCodeSource().getLocation() },
                    PgmqMetersWithoutMicrometerTest.class.getClassLoader());
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (name.startsWith("io.micrometer.")) {
                throw new ClassNotFoundException(name + " (hidden by the test)");
            }
            if (name.startsWith("io.camelpgmq.component.")) {
                synchronized (getClassLoadingLock(name)) {
                    Class<?> c = findLoadedClass(name);
                    return c != null ? c : findClass(name);
                }
            }
            return super.loadClass(name, resolve);
        }
    }

    /** A constant of a package-private type of another loader (another runtime package: access must be granted). */
    private static Object constant(Class<?> type, String name) throws ReflectiveOperationException {
        var field = type.getField(name);
        field.setAccessible(true);
        return field.get(null);
    }

    @Test
    void withoutMicrometerTheMetersAreNoOpsAndNothingOfMicrometerLoads() throws Exception {
        try (WithoutMicrometer loader = new WithoutMicrometer()) {
            // the consumer and component classes link without Micrometer
            Class.forName(PgmqConsumer.class.getName(), true, loader);
            Class.forName(PgmqComponent.class.getName(), true, loader);
            Class<?> metersType = Class.forName(PgmqMeters.class.getName(), true, loader);
            Method create = metersType.getDeclaredMethod("create", Object.class, CamelContext.class,
                    io.camelpgmq.client.PgmqClient.class, long.class, Supplier.class);
            create.setAccessible(true);
            Supplier<ScheduledExecutorService> noThread = () -> {
                throw new AssertionError("no housekeeping thread without meters");
            };
            Object meters = create.invoke(null, null, null, null, 15_000L, noThread);
            assertEquals(constant(metersType, "NONE"), meters);
            Method consumer = metersType.getMethod("consumer", String.class, String.class);
            consumer.setAccessible(true);
            Object consumerMeters = consumer.invoke(meters, "jobs", "jobs_dlq");
            Class<?> consumerType = Class.forName(PgmqConsumerMeters.class.getName(), true, loader);
            assertEquals(constant(consumerType, "NONE"), consumerMeters);

            var refused = assertThrows(java.lang.reflect.InvocationTargetException.class,
                    () -> create.invoke(null, new SimpleMeterRegistry(), null, null, 15_000L, noThread));
            assertTrue(refused.getCause().getMessage().contains("micrometer-core"), refused.getCause().getMessage());
        }
    }
}
