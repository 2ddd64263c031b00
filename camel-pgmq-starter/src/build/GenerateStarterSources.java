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

/**
 * Build step of camel-pgmq-starter (run by exec-maven-plugin in generate-sources, with the module's compile class
 * path): reads the component JSON that camel-component-maven-plugin generated into the camel-pgmq jar and writes the
 * starter's {@code PgmqComponentConfiguration} (one property per component option, described from the JSON, so that
 * spring-boot-configuration-processor turns it into spring-configuration-metadata.json), the converter for bean
 * references, and the auto-configuration that copies the properties onto the component, in the shape of Camel's own
 * starters. Nothing here is written by hand per option: a new component option appears in the starter at the next
 * build.
 */
public final class GenerateStarterSources {

    private static final String JSON = "META-INF/io/camelpgmq/component/pgmq.json";
    private static final String PACKAGE = "io.camelpgmq.component.springboot";
    private static final String PREFIX = "camel.component.pgmq";

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]).resolve(PACKAGE.replace('.', '/'));
        JsonNode root;
        try (InputStream in = GenerateStarterSources.class.getClassLoader().getResourceAsStream(JSON)) {
            if (in == null) {
                throw new IllegalStateException(JSON + " is not on the class path: build camel-pgmq first.");
            }
            root = new ObjectMapper().readTree(in);
        }
        List<Option> options = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : root.get("componentProperties").properties()) {
            options.add(new Option(e.getKey(), e.getValue()));
        }
        Files.createDirectories(out);
        write(out.resolve("PgmqComponentConfiguration.java"), configuration(root.get("component"), options));
        write(out.resolve("PgmqComponentConverter.java"), converter(options));
        write(out.resolve("PgmqComponentAutoConfiguration.java"), autoConfiguration());
        // spring-boot-configuration-processor leaves out properties of some types (javax.sql.DataSource among them):
        // describe those in the additional metadata it merges into spring-configuration-metadata.json
        Path metaInf = Path.of(args[1]).resolve("META-INF");
        Files.createDirectories(metaInf);
        write(metaInf.resolve("additional-spring-configuration-metadata.json"), additionalMetadata(options));
        System.out.println("camel-pgmq-starter: generated " + options.size() + " properties under " + PREFIX
                           + " into " + out);
    }

    private record Option(String name, JsonNode json) {
        String type() {
            String kind = json.get("type").asText();
            String javaType = json.get("javaType").asText();
            if ("duration".equals(kind)) {
                // bound by Spring Boot from "7000" (ms) or "7s"; Camel converts the Duration back to milliseconds
                return "java.time.Duration";
            }
            return switch (javaType) {
                case "boolean" -> "Boolean";
                case "int" -> "Integer";
                case "long" -> "Long";
                case "double" -> "Double";
                case "java.lang.String" -> "String";
                default -> javaType;
            };
        }

        boolean isObject() {
            return "object".equals(json.get("type").asText());
        }

        String initializer() {
            JsonNode d = json.get("defaultValue");
            if (d == null || d.isNull()) {
                return null;
            }
            String v = d.asText();
            return switch (type()) {
                case "java.time.Duration" -> "java.time.Duration.ofMillis(" + Long.parseLong(v) + "L)";
                case "Boolean" -> Boolean.toString(Boolean.parseBoolean(v));
                case "Integer" -> Integer.toString(Integer.parseInt(v));
                case "Long" -> Long.parseLong(v) + "L";
                case "Double" -> Double.parseDouble(v) + "D";
                case "String" -> quote(v);
                default -> null;
            };
        }

        String description() {
            String d = json.path("description").asText("");
            if (isObject()) {
                d += " The option is a " + json.get("javaType").asText() + " type: give a bean reference as #bean:name.";
            }
            return d;
        }

        String capitalized() {
            return Character.toUpperCase(name.charAt(0)) + name.substring(1);
        }
    }

    private static String configuration(JsonNode component, List<Option> options) {
        StringBuilder s = header();
        s.append("import org.apache.camel.spring.boot.ComponentConfigurationPropertiesCommon;\n")
                .append("import org.springframework.boot.context.properties.ConfigurationProperties;\n\n")
                .append(javadoc("", component.get("description").asText()
                                    + "\n\nGenerated from the component's JSON by GenerateStarterSources - do not edit."))
                .append("@ConfigurationProperties(prefix = \"").append(PREFIX).append("\")\n")
                .append("public class PgmqComponentConfiguration extends ComponentConfigurationPropertiesCommon {\n\n")
                .append(javadoc("    ", "Whether to enable auto configuration of the pgmq component. This is enabled"
                                       + " by default."))
                .append("    private Boolean enabled;\n");
        for (Option o : options) {
            s.append(javadoc("    ", o.description()));
            s.append("    private ").append(o.type()).append(' ').append(o.name());
            String init = o.initializer();
            if (init != null) {
                s.append(" = ").append(init);
            }
            s.append(";\n");
        }
        for (Option o : options) {
            s.append("\n    public ").append(o.type()).append(" get").append(o.capitalized()).append("() {\n")
                    .append("        return ").append(o.name()).append(";\n    }\n\n")
                    .append("    public void set").append(o.capitalized()).append('(').append(o.type()).append(' ')
                    .append(o.name()).append(") {\n")
                    .append("        this.").append(o.name()).append(" = ").append(o.name()).append(";\n    }\n");
        }
        return s.append("}\n").toString();
    }

    private static String converter(List<Option> options) {
        StringBuilder s = header();
        s.append("import java.util.LinkedHashSet;\n")
                .append("import java.util.Set;\n\n")
                .append("import org.springframework.beans.factory.annotation.Autowired;\n")
                .append("import org.springframework.boot.context.properties.ConfigurationPropertiesBinding;\n")
                .append("import org.springframework.context.ApplicationContext;\n")
                .append("import org.springframework.context.annotation.Configuration;\n")
                .append("import org.springframework.core.convert.TypeDescriptor;\n")
                .append("import org.springframework.core.convert.converter.GenericConverter;\n")
                .append("import org.springframework.stereotype.Component;\n\n")
                .append(javadoc("", "Binds bean references (#bean:name or #name) of the pgmq component's object"
                                    + " options.\n\nGenerated from the component's JSON by GenerateStarterSources -"
                                    + " do not edit."))
                .append("@Configuration(proxyBeanMethods = false)\n@ConfigurationPropertiesBinding\n@Component\n")
                .append("public class PgmqComponentConverter implements GenericConverter {\n\n")
                .append("    @Autowired\n    private ApplicationContext applicationContext;\n\n")
                .append("    @Override\n    public Set<ConvertiblePair> getConvertibleTypes() {\n")
                .append("        Set<ConvertiblePair> answer = new LinkedHashSet<>();\n");
        List<String> types = options.stream().filter(Option::isObject).map(o -> o.json().get("javaType").asText())
                .distinct().toList();
        for (String t : types) {
            s.append("        answer.add(new ConvertiblePair(String.class, ").append(t).append(".class));\n");
        }
        s.append("        return answer;\n    }\n\n")
                .append("    @Override\n    public Object convert(Object source, TypeDescriptor sourceType,"
                        + " TypeDescriptor targetType) {\n")
                .append("        if (source == null) {\n            return null;\n        }\n")
                .append("        String ref = source.toString();\n")
                .append("        if (!ref.startsWith(\"#\")) {\n            return null;\n        }\n")
                .append("        ref = ref.startsWith(\"#bean:\") ? ref.substring(6) : ref.substring(1);\n")
                .append("        switch (targetType.getName()) {\n");
        for (String t : types) {
            s.append("            case \"").append(t).append("\": return applicationContext.getBean(ref, ")
                    .append(t).append(".class);\n");
        }
        return s.append("            default: return null;\n        }\n    }\n}\n").toString();
    }

    private static String autoConfiguration() {
        StringBuilder s = header();
        s.append("""
                import io.camelpgmq.component.PgmqComponent;
                import org.apache.camel.CamelContext;
                import org.apache.camel.Component;
                import org.apache.camel.spi.ComponentCustomizer;
                import org.apache.camel.spring.boot.CamelAutoConfiguration;
                import org.apache.camel.spring.boot.ComponentConfigurationProperties;
                import org.apache.camel.spring.boot.util.CamelPropertiesHelper;
                import org.apache.camel.spring.boot.util.ConditionalOnCamelContextAndAutoConfigurationBeans;
                import org.apache.camel.spring.boot.util.ConditionalOnHierarchicalProperties;
                import org.apache.camel.spring.boot.util.HierarchicalPropertiesEvaluator;
                import org.springframework.beans.factory.annotation.Autowired;
                import org.springframework.boot.autoconfigure.AutoConfigureAfter;
                import org.springframework.boot.context.properties.EnableConfigurationProperties;
                import org.springframework.context.ApplicationContext;
                import org.springframework.context.annotation.Bean;
                import org.springframework.context.annotation.Conditional;
                import org.springframework.context.annotation.Configuration;
                import org.springframework.context.annotation.Lazy;

                /**
                 * Copies every camel.component.pgmq.* property onto the pgmq component, as Camel's own starters do.
                 *
                 * Generated by GenerateStarterSources - do not edit.
                 */
                @Configuration(proxyBeanMethods = false)
                @Conditional(ConditionalOnCamelContextAndAutoConfigurationBeans.class)
                @EnableConfigurationProperties({ ComponentConfigurationProperties.class, PgmqComponentConfiguration.class })
                @ConditionalOnHierarchicalProperties({ "camel.component", "camel.component.pgmq" })
                @AutoConfigureAfter({ CamelAutoConfiguration.class, PgmqComponentConverter.class })
                public class PgmqComponentAutoConfiguration {

                    @Autowired
                    private ApplicationContext applicationContext;
                    private final CamelContext camelContext;
                    @Autowired
                    private PgmqComponentConfiguration configuration;

                    public PgmqComponentAutoConfiguration(CamelContext camelContext) {
                        this.camelContext = camelContext;
                    }

                    @Lazy
                    @Bean
                    public ComponentCustomizer configurePgmqComponent() {
                        return new ComponentCustomizer() {
                            @Override
                            public void configure(String name, Component target) {
                                CamelPropertiesHelper.copyProperties(camelContext, configuration, target);
                            }

                            @Override
                            public boolean isEnabled(String name, Component target) {
                                return HierarchicalPropertiesEvaluator.evaluate(applicationContext,
                                        "camel.component.customizer", "camel.component.pgmq.customizer")
                                       && target instanceof PgmqComponent;
                            }
                        };
                    }
                }
                """);
        return s.toString();
    }

    private static String additionalMetadata(List<Option> options) {
        ObjectMapper mapper = new ObjectMapper();
        var properties = mapper.createArrayNode();
        for (Option o : options) {
            if (o.isObject()) {
                properties.addObject()
                        .put("name", PREFIX + "." + kebab(o.name()))
                        .put("type", o.type())
                        .put("description", o.description())
                        .put("sourceType", PACKAGE + ".PgmqComponentConfiguration");
            }
        }
        var root = mapper.createObjectNode();
        root.set("properties", properties);
        try {
            return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([A-Z])", "-$1").toLowerCase(java.util.Locale.ROOT);
    }

    private static StringBuilder header() {
        return new StringBuilder("/*\n * Licensed under the Apache License, Version 2.0; see the LICENSE file.\n */\n")
                .append("package ").append(PACKAGE).append(";\n\n");
    }

    private static String javadoc(String indent, String text) {
        StringBuilder s = new StringBuilder(indent).append("/**\n");
        for (String paragraph : text.split("\n", -1)) {
            StringBuilder line = new StringBuilder();
            for (String word : paragraph.replace("*/", "* /").split(" ")) {
                if (line.length() + word.length() > 100) {
                    s.append(indent).append(" * ").append(line.toString().strip()).append('\n');
                    line.setLength(0);
                }
                line.append(word).append(' ');
            }
            s.append(indent).append(" *").append(line.isEmpty() ? "" : " " + line.toString().strip()).append('\n');
        }
        return s.append(indent).append(" */\n").toString();
    }

    private static String quote(String v) {
        return '"' + v.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    private static void write(Path file, String content) throws IOException {
        Files.writeString(file, content, StandardCharsets.UTF_8);
    }
}
