package io.camelpgmq.component;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import javax.xml.parsers.DocumentBuilderFactory;

import io.camelpgmq.client.PgmqClient;
import io.camelpgmq.test.PgmqTestDatabase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's Quick start, as a new user would follow it: its pom lists every dependency the project needs, and its
 * application.properties, YAML route, Worker and App, written to the files it names and compiled, run with Camel Main
 * against a real PostgreSQL, where the queue does not exist beforehand. Only the database address is replaced (and
 * the queue names, so that runs do not share queues).
 */
class ReadmeQuickStartTest {

    private static final Path README = Path.of("..", "README.md");

    private static String quickStart() throws Exception {
        String text = Files.readString(README, StandardCharsets.UTF_8);
        int start = text.indexOf("## Quick start");
        int end = text.indexOf("### Supported versions", start);
        assertTrue(start >= 0 && end > start, "README has a Quick start section");
        return text.substring(start, end);
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
    void pomListsWhatTheQuickStartUses() throws Exception {
        String pom = blocks(quickStart(), "xml").get(0);
        for (String artifact : List.of("camel-pgmq", "camel-main", "camel-yaml-dsl", "camel-bean", "camel-timer",
                "camel-bom")) {
            assertTrue(pom.contains("<artifactId>" + artifact + "</artifactId>"), "the Quick start pom lists " + artifact);
        }
        assertTrue(quickStart().contains("./mvnw install -DskipTests"), "says how to get the SNAPSHOT");
    }

    /**
     * The pom is a whole project, as pasted into an empty folder and run with {@code mvn compile exec:java} by any
     * Maven from 3.8 on: Maven 3.8's default compiler plugin compiles for Java 5 ("Source option 5 is no longer
     * supported") and without a logging binding the application runs in silence. Its versions are this build's.
     */
    @Test
    void pomIsACompleteProject() throws Exception {
        Document pom = parse(blocks(quickStart(), "xml").get(0));
        Document parent = parse(Files.readString(Path.of("..", "pom.xml"), StandardCharsets.UTF_8));
        Element project = pom.getDocumentElement();
        assertEquals("project", project.getTagName());
        assertEquals("http://maven.apache.org/POM/4.0.0", project.getNamespaceURI());
        assertEquals("4.0.0", child(project, "modelVersion"));
        assertFalse(child(project, "groupId").isEmpty() || child(project, "artifactId").isEmpty()
                    || child(project, "version").isEmpty(), "the project has coordinates");
        Element properties = element(project, "properties");
        assertEquals("17", child(properties, "maven.compiler.release"), "Java 17, as camel-pgmq");
        assertEquals("UTF-8", child(properties, "project.build.sourceEncoding"));

        assertEquals(property(parent, "camel.version"), version(pom, "org.apache.camel", "camel-bom"));
        assertEquals(child(parent.getDocumentElement(), "version"), version(pom, "io.camelpgmq", "camel-pgmq"));
        assertEquals(property(parent, "slf4j.version"), version(pom, "org.slf4j", "slf4j-simple"),
                "a logging binding, so that Camel's start, the schema install and the listener show");
        assertEquals(property(parent, "compiler-plugin.version"),
                version(pom, "org.apache.maven.plugins", "maven-compiler-plugin"), "a compiler that knows release");
        assertEquals(property(parent, "exec-plugin.version"), version(pom, "org.codehaus.mojo", "exec-maven-plugin"));
        Element exec = plugin(pom, "exec-maven-plugin");
        assertEquals("org.example.App", child(element(exec, "configuration"), "mainClass"),
                "mvn compile exec:java needs no -Dexec.mainClass");
        assertTrue(quickStart().contains("`mvn compile exec:java`"), "the command the pom is made for");
    }

    private static Document parse(String xml) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        return factory.newDocumentBuilder().parse(new InputSource(new StringReader(xml)));
    }

    private static Element element(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return e;
            }
        }
        throw new AssertionError("<" + parent.getTagName() + "> has no <" + name + ">");
    }

    private static String child(Element parent, String name) {
        return element(parent, name).getTextContent().trim();
    }

    private static String property(Document pom, String name) {
        return child(element(pom.getDocumentElement(), "properties"), name);
    }

    /** The version of a dependency (managed or not) or plugin, by group and artifact. */
    private static String version(Document pom, String groupId, String artifactId) {
        NodeList artifacts = pom.getElementsByTagName("artifactId");
        for (int i = 0; i < artifacts.getLength(); i++) {
            Element owner = (Element) artifacts.item(i).getParentNode();
            if (artifactId.equals(child(owner, "artifactId")) && groupId.equals(child(owner, "groupId"))) {
                return child(owner, "version");
            }
        }
        throw new AssertionError("the Quick start pom has no " + groupId + ":" + artifactId);
    }

    private static Element plugin(Document pom, String artifactId) {
        NodeList plugins = pom.getElementsByTagName("plugin");
        for (int i = 0; i < plugins.getLength(); i++) {
            Element plugin = (Element) plugins.item(i);
            if (artifactId.equals(child(plugin, "artifactId"))) {
                return plugin;
            }
        }
        throw new AssertionError("the Quick start pom has no plugin " + artifactId);
    }

    @Test
    void quickStartRunsAsWritten(@TempDir Path project) throws Exception {
        String section = quickStart();
        PgmqTestDatabase db = PgmqTestDatabase.get();
        String queue = PgmqTestDatabase.uniqueQueueName("quickstart");
        String dlq = PgmqTestDatabase.uniqueQueueName("quickstart_dlq");
        PgmqClient client = new PgmqClient(db.dataSource());
        assertFalse(client.queueExists(queue));

        Path resources = Files.createDirectories(project.resolve("classes"));
        String properties = blocks(section, "properties").get(0)
                .replace("jdbc:postgresql://localhost:5432/app", db.jdbcUrl())
                .replace("username=app", "username=" + db.username())
                .replace("password=secret", "password=" + (db.password() == null ? "unused-by-trust-auth" : db.password()));
        Files.writeString(resources.resolve("application.properties"), properties);
        Files.createDirectories(resources.resolve("routes"));
        Files.writeString(resources.resolve("routes/jobs.yaml"), blocks(section, "yaml").get(0)
                .replace("jobs_dlq", dlq).replace("pgmq:jobs", "pgmq:" + queue));

        Path sources = Files.createDirectories(project.resolve("src/org/example"));
        List<String> java = blocks(section, "java");
        assertEquals(2, java.size(), "Worker and App");
        Files.writeString(sources.resolve("Worker.java"), java.get(0));
        Files.writeString(sources.resolve("App.java"), java.get(1));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertEquals(0, javac.run(null, null, null, "-d", resources.toString(), "-classpath",
                System.getProperty("java.class.path"), sources.resolve("Worker.java").toString(),
                sources.resolve("App.java").toString()), "the README's Java compiles");

        ClassLoader previous = Thread.currentThread().getContextClassLoader();
        PrintStream stdout = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (URLClassLoader loader = new URLClassLoader(new URL[] { resources.toUri().toURL() }, previous)) {
            Method main = loader.loadClass("org.example.App").getMethod("main", String[].class);
            // Camel Main's own option: stop after 6 exchanges (3 timer sends, 3 jobs worked)
            Thread run = new Thread(() -> {
                Thread.currentThread().setContextClassLoader(loader);
                try {
                    main.invoke(null, (Object) new String[] { "-dm", "6" });
                } catch (Throwable t) {
                    failure.set(t);
                }
            }, "quick-start");
            System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
            run.start();
            run.join(60_000);
            System.setOut(stdout);
            assertFalse(run.isAlive(), "the Quick start application stopped after its messages");
        } finally {
            System.setOut(stdout);
            Thread.currentThread().setContextClassLoader(previous);
        }
        if (failure.get() != null) {
            throw new AssertionError("the Quick start application failed", failure.get());
        }
        try {
            assertTrue(client.queueExists(queue), "autoCreateQueue created the queue");
            assertTrue(client.queueExists(dlq), "and its dead-letter queue");
            String out = printed.toString(StandardCharsets.UTF_8);
            // pgmq stores jsonb: the body comes back normalized, {"task": "resize"}
            assertTrue(out.contains("Working on {\"task\": \"resize\"}"), "the worker printed its jobs: " + out);
            assertTrue(db.queryLong("SELECT count(*) FROM pgmq.a_" + queue) >= 1, "worked jobs are archived");
        } finally {
            client.dropQueue(queue);
            client.dropQueue(dlq);
        }
    }
}
