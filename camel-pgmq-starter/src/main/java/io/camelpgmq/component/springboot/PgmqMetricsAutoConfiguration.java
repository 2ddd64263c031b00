package io.camelpgmq.component.springboot;

import io.camelpgmq.component.PgmqComponent;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.camel.Component;
import org.apache.camel.Ordered;
import org.apache.camel.spi.ComponentCustomizer;
import org.apache.camel.spring.boot.CamelAutoConfiguration;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;

/**
 * Puts the pgmq component's meters in Spring's {@link MeterRegistry} (Actuator's, so they reach {@code /actuator/prometheus}
 * and every other Micrometer backend), unless the component has a meterRegistry of its own. Only when Micrometer is
 * on the classpath; the component's meters are listed in the README.
 */
@AutoConfiguration(after = CamelAutoConfiguration.class,
                   afterName = "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration")
@ConditionalOnClass(MeterRegistry.class)
public class PgmqMetricsAutoConfiguration {

    @Bean
    public ComponentCustomizer pgmqMeterRegistry(ObjectProvider<MeterRegistry> registries) {
        return new ComponentCustomizer() {
            @Override
            public void configure(String name, Component target) {
                PgmqComponent pgmq = (PgmqComponent) target;
                // the application's registry: the only one, or Boot's primary composite over several
                MeterRegistry registry = registries.getIfUnique();
                if (pgmq.getMeterRegistry() == null && registry != null) {
                    pgmq.setMeterRegistry(registry);
                }
            }

            @Override
            public boolean isEnabled(String name, Component target) {
                return target instanceof PgmqComponent;
            }

            @Override
            public int getOrder() {
                // after the customizer that copies camel.component.pgmq.* (order 0)
                return Ordered.LOWEST;
            }
        };
    }
}
