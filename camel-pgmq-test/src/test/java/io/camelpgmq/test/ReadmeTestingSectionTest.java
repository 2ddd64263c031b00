package io.camelpgmq.test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * README's "Testing your routes" shows the kit's dependency and a complete test; that test is this module's
 * {@code org.example.JobsRouteTest}, which the build compiles and runs: the README's copy must be the same text.
 */
class ReadmeTestingSectionTest {

    private static String section() throws Exception {
        String text = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
        int start = text.indexOf("## Testing your routes");
        assertTrue(start >= 0, "README has a \"Testing your routes\" section");
        int end = text.indexOf("\n## ", start + 1);
        return text.substring(start, end < 0 ? text.length() : end);
    }

    private static List<String> blocks(String section, String language) {
        Matcher m = Pattern.compile("```" + language + "\\n(.*?)```", Pattern.DOTALL).matcher(section);
        List<String> found = new ArrayList<>();
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }

    @Test
    void theReadmeTestIsTheOneTheBuildRuns() throws Exception {
        List<String> java = blocks(section(), "java");
        assertEquals(1, java.size(), "one complete test in the section");
        String built = Files.readString(Path.of("src/test/java/org/example/JobsRouteTest.java"), StandardCharsets.UTF_8);
        assertEquals(built, java.get(0), "README's test is camel-pgmq-test/src/test/java/org/example/JobsRouteTest.java");
    }

    @Test
    void theDependencyIsTheKitInTestScope() throws Exception {
        String pom = blocks(section(), "xml").get(0);
        assertTrue(pom.contains("<artifactId>camel-pgmq-test</artifactId>") && pom.contains("<scope>test</scope>"), pom);
        assertTrue(pom.contains("<artifactId>junit-jupiter</artifactId>"), pom);
        // the versions this build uses: JUnit, and a Surefire that runs JUnit 5 (Maven 3.8's default 2.12 does not)
        String parent = Files.readString(Path.of("..", "pom.xml"), StandardCharsets.UTF_8);
        for (String[] pin : new String[][] { { "junit.version", "junit-jupiter" },
                { "surefire.version", "maven-surefire-plugin" } }) {
            Matcher version = Pattern.compile("<" + pin[0] + ">([^<]+)</").matcher(parent);
            assertTrue(version.find(), pin[0]);
            assertTrue(pom.contains("<artifactId>" + pin[1] + "</artifactId>\n  <version>" + version.group(1)
                                    + "</version>"), pin[1] + " " + version.group(1) + " in " + pom);
        }
    }
}
