package io.camelpgmq.component;

import java.io.InputStream;
import java.net.URL;
import java.util.Properties;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The artifact carries META-INF/services/org/apache/camel/component.properties, which Camel's catalog and JBang
 * read to find the components of a jar, filled with this build's coordinates, beside the component's classes.
 */
public class PgmqComponentPropertiesTest {

    static final String PATH = "META-INF/services/org/apache/camel/component.properties";

    /** Also used by the starter's tests, where the class path holds the camel-pgmq jar itself. */
    public static Properties componentProperties() throws Exception {
        ClassLoader loader = PgmqComponent.class.getClassLoader();
        URL url = loader.getResource(PATH);
        assertNotNull(url, PATH + " is missing");
        String classes = PgmqComponent.class.getProtectionDomain().getCodeSource().getLocation().toString();
        assertTrue(url.toString().contains(classes.replaceFirst("^file:", "")),
                PATH + " (" + url + ") is not in camel-pgmq's artifact (" + classes + ")");
        Properties p = new Properties();
        try (InputStream in = url.openStream()) {
            p.load(in);
        }
        return p;
    }

    @Test
    void componentPropertiesNameTheComponentAndTheArtifact() throws Exception {
        Properties p = componentProperties();
        JsonNode json;
        try (InputStream in = PgmqComponent.class.getClassLoader()
                .getResourceAsStream("META-INF/io/camelpgmq/component/pgmq.json")) {
            json = new ObjectMapper().readTree(in).get("component");
        }
        assertEquals("pgmq", p.getProperty("components"));
        assertEquals(json.get("groupId").asText(), p.getProperty("groupId"));
        assertEquals(json.get("artifactId").asText(), p.getProperty("artifactId"));
        assertEquals(json.get("version").asText(), p.getProperty("version"));
        for (String key : new String[] { "projectName", "projectDescription" }) {
            assertFalse(p.getProperty(key, "").isBlank(), key);
            assertFalse(p.getProperty(key).contains("${"), key + " is filtered");
        }
    }
}
