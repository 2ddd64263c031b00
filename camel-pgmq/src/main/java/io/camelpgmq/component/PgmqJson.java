package io.camelpgmq.component;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/** JSON for message bodies and pgmq headers. */
final class PgmqJson {

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .findAndRegisterModules()
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {
    };

    private PgmqJson() {
    }

    /** A value as JSON text: a String is taken as JSON already, anything else is serialized by Jackson. */
    static String toJson(Object value) {
        if (value == null || value instanceof String) {
            return (String) value;
        }
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("Cannot turn a " + value.getClass().getName() + " into JSON for pgmq: "
                                               + e.getOriginalMessage()
                                               + ". Send a JSON text, a Map, a List or a Jackson-serializable POJO.",
                    e);
        }
    }

    /** pgmq headers (a JSON object, or null) as a map; anything else gives an empty map. */
    static Map<String, Object> headersFromJson(String json) {
        if (json == null || json.isEmpty() || json.charAt(0) != '{') {
            return Collections.emptyMap();
        }
        try {
            return MAPPER.readValue(json, MAP);
        } catch (JsonProcessingException e) {
            // jsonb text that starts with '{' is an object; this only guards against a foreign column type
            return Collections.emptyMap();
        }
    }

    /**
     * A message's FIFO group as pgmq sees it: the text of header x-pgmq-group (a number 7 is the group "7"), or
     * {@code null} when the message has none (pgmq puts all of those in one group of their own).
     */
    static String groupOf(String headersJson) {
        Object group = headersFromJson(headersJson).get(PgmqConstants.PGMQ_GROUP);
        if (group == null) {
            return null;
        }
        return group instanceof String text ? text : toJson(group);
    }

    /** Whether Jackson can write the value as JSON. */
    static boolean isSerializable(Object value) {
        try {
            MAPPER.writeValueAsString(value);
            return true;
        } catch (JsonProcessingException e) {
            return false;
        }
    }
}
