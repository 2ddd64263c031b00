package io.camelpgmq.examples.springboot;

import java.security.SecureRandom;
import java.util.Map;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.EnvironmentPostProcessor;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Gives each run one random {@code example.run-id}, which application.properties puts into the names of the queue and
 * the table ({@code ${random.*}} would not do: it draws a new value at every use).
 */
public class RunIdEnvironmentPostProcessor implements EnvironmentPostProcessor {

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (!environment.containsProperty("example.run-id")) {
            String id = Long.toString(new SecureRandom().nextLong() & Long.MAX_VALUE, 36);
            environment.getPropertySources().addLast(
                    new MapPropertySource("example-run-id", Map.of("example.run-id", id.substring(0, 8))));
        }
    }
}
