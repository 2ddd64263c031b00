package io.camelpgmq.component.springboot;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The IDE metadata the build generated covers every option of the component JSON, in kebab case, described. */
class PgmqStarterMetadataTest {

    static JsonNode resource(String name) throws IOException {
        try (InputStream in = PgmqStarterMetadataTest.class.getClassLoader().getResourceAsStream(name)) {
            assertNotNull(in, name + " is not on the class path");
            return new ObjectMapper().readTree(in);
        }
    }

    static String kebab(String camel) {
        return camel.replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT);
    }

    @Test
    void camelPgmqArtifactCarriesComponentProperties() throws Exception {
        // in the reactor build this class path holds the camel-pgmq jar: the file is in the jar, beside the classes
        assertEquals("pgmq", io.camelpgmq.component.PgmqComponentPropertiesTest.componentProperties()
                .getProperty("components"));
    }

    @Test
    void metadataDescribesEveryComponentOption() throws IOException {
        JsonNode options = resource("META-INF/io/camelpgmq/component/pgmq.json").get("componentProperties");
        Map<String, JsonNode> metadata = new HashMap<>();
        for (JsonNode p : resource("META-INF/spring-configuration-metadata.json").get("properties")) {
            metadata.put(p.get("name").asText(), p);
        }
        assertFalse(options.isEmpty());
        for (Map.Entry<String, JsonNode> option : options.properties()) {
            String name = "camel.component.pgmq." + kebab(option.getKey());
            JsonNode p = metadata.get(name);
            assertNotNull(p, name + " is missing from spring-configuration-metadata.json");
            assertTrue(p.path("description").asText().startsWith(option.getValue().get("description").asText()),
                    name + " is not described by the component's own description");
            JsonNode defaultValue = option.getValue().get("defaultValue");
            if (defaultValue != null && !"duration".equals(option.getValue().get("type").asText())) {
                assertEquals(defaultValue.asText(), p.path("defaultValue").asText(), name + " default");
            }
        }
        assertTrue(metadata.containsKey("camel.component.pgmq.join-spring-transactions"));
        assertTrue(metadata.containsKey("camel.component.pgmq.enabled"));
    }
}
