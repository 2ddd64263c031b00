package io.camelpgmq.component;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The generated component JSON lists every option with a description, and the adoc documents each of them. */
class PgmqDocumentationTest {

    private static JsonNode componentJson() throws IOException {
        try (InputStream in = PgmqDocumentationTest.class.getResourceAsStream("/META-INF/io/camelpgmq/component/pgmq.json")) {
            assertNotNull(in, "the generated component JSON is on the classpath");
            return new ObjectMapper().readTree(in);
        }
    }

    @Test
    void everyOptionAndHeaderIsDescribedAndDocumented() throws IOException {
        JsonNode json = componentJson();
        assertEquals("pgmq", json.get("component").get("scheme").asText());
        String adoc = Files.readString(Path.of("src/main/docs/pgmq-component.adoc"), StandardCharsets.UTF_8);
        List<String> missing = new ArrayList<>();
        for (String section : List.of("componentProperties", "properties", "headers")) {
            for (Map.Entry<String, JsonNode> option : json.get(section).properties()) {
                assertTrue(option.getValue().path("description").asText().length() > 10,
                        section + "." + option.getKey() + " has a description");
                if (!adoc.contains(option.getKey())) {
                    missing.add(section + "." + option.getKey());
                }
            }
        }
        assertEquals(List.of(), missing, "options missing from pgmq-component.adoc");
        assertEquals("archive", json.get("properties").get("onSuccess").get("defaultValue").asText());
        assertEquals(30, json.get("properties").get("visibilityTimeout").get("defaultValue").asInt());
    }
}
