package io.camelpgmq.component.springboot;

import java.lang.reflect.Method;
import java.util.LinkedHashMap;
import java.util.Map;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.zaxxer.hikari.HikariDataSource;
import io.camelpgmq.component.PgmqComponent;
import io.camelpgmq.test.PgmqTestDatabase;
import org.apache.camel.CamelContext;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every option of the component JSON, set as camel.component.pgmq.&lt;kebab-case&gt; to a value other than its
 * default, reaches the started component (the defect: properties were silently ignored without a starter).
 */
class PgmqStarterPropertiesTest {

    @SpringBootApplication
    static class App {
        // two DataSources, so nothing is autowired by luck: the properties name them
        @Bean(destroyMethod = "") // the shared test pool outlives this context
        DataSource pgmqTestDataSource() {
            return PgmqTestDatabase.get().dataSource();
        }

        @Bean
        DataSource pgmqTestProducerDataSource() {
            PgmqTestDatabase db = PgmqTestDatabase.get();
            HikariDataSource ds = new HikariDataSource();
            ds.setJdbcUrl(db.jdbcUrl());
            ds.setUsername(db.username());
            ds.setPassword(db.password());
            ds.setMaximumPoolSize(2);
            return ds;
        }
    }

    @Test
    void everyComponentOptionIsBoundFromItsProperty() throws Exception {
        PgmqTestDatabase db = PgmqTestDatabase.get();
        JsonNode options = PgmqStarterMetadataTest.resource("META-INF/io/camelpgmq/component/pgmq.json")
                .get("componentProperties");
        Map<String, Object> properties = new LinkedHashMap<>();
        Map<String, Object> expected = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> option : options.properties()) {
            String name = option.getKey();
            JsonNode o = option.getValue();
            String key = "camel.component.pgmq." + PgmqStarterMetadataTest.kebab(name);
            String type = o.get("type").asText();
            JsonNode def = o.get("defaultValue");
            switch (type) {
                case "boolean" -> {
                    boolean value = def == null || !def.asBoolean();
                    properties.put(key, Boolean.toString(value));
                    expected.put(name, value);
                }
                case "integer" -> {
                    int value = (def == null ? 0 : def.asInt()) + 3;
                    properties.put(key, Integer.toString(value));
                    expected.put(name, value);
                }
                case "duration" -> {
                    // one in milliseconds, the others in Spring Boot's duration form: both must arrive as ms
                    long value = (def == null ? 0 : def.asLong()) + 2000;
                    properties.put(key, expected.isEmpty() || name.contains("Check") ? Long.toString(value)
                            : value % 1000 == 0 ? (value / 1000) + "s" : value + "ms");
                    expected.put(name, value);
                }
                case "object" -> {
                    String bean = "dataSource".equals(name) ? "pgmqTestDataSource" : "pgmqTestProducerDataSource";
                    properties.put(key, "#bean:" + bean);
                    expected.put(name, bean);
                }
                case "string" -> {
                    String value = switch (name) {
                        case "url", "listenerUrl" -> db.jdbcUrl();
                        case "username" -> db.username();
                        case "password" -> db.password() == null ? "unused" : db.password();
                        default -> null;
                    };
                    if (value == null) {
                        fail("Give component option " + name + " a test value in this test");
                    }
                    properties.put(key, value);
                    expected.put(name, value);
                }
                default -> fail("Give component options of type " + type + " (" + name + ") a test value here");
            }
        }
        properties.put("spring.main.web-application-type", "none");
        try (ConfigurableApplicationContext spring = new SpringApplicationBuilder(App.class).properties(properties)
                .run()) {
            PgmqComponent pgmq = spring.getBean(CamelContext.class).getComponent("pgmq", PgmqComponent.class);
            for (Map.Entry<String, Object> e : expected.entrySet()) {
                Object actual = getter(pgmq, e.getKey()).invoke(pgmq);
                if (e.getValue() instanceof String bean && actual instanceof DataSource) {
                    assertSame(spring.getBean(bean), actual, e.getKey());
                } else if (actual instanceof Long || actual instanceof Integer) {
                    assertEquals(((Number) e.getValue()).longValue(), ((Number) actual).longValue(), e.getKey());
                } else {
                    assertEquals(e.getValue(), actual, e.getKey());
                }
            }
        }
    }

    private static Method getter(Object target, String option) throws NoSuchMethodException {
        String cap = Character.toUpperCase(option.charAt(0)) + option.substring(1);
        try {
            return target.getClass().getMethod("get" + cap);
        } catch (NoSuchMethodException e) {
            return target.getClass().getMethod("is" + cap);
        }
    }
}
