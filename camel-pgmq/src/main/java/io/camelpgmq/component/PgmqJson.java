package io.camelpgmq.component;

import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.util.RawValue;
import io.camelpgmq.client.JsonText;

/** JSON for message bodies and pgmq headers. */
public final class PgmqJson {

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .findAndRegisterModules()
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {
    };
    /** No limits: only to find the headers' boundaries in jsonb text, which PostgreSQL has already parsed. */
    private static final JsonFactory UNLIMITED = JsonText.unlimitedFactory();

    private PgmqJson() {
    }

    /** A value as JSON text: a String is taken as JSON already, anything else is serialized by Jackson. */
    public static String toJson(Object value) {
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

    /**
     * pgmq headers (a JSON object, or null) as a map; anything else gives an empty map.
     * <p>
     * A header beyond Jackson's limits (nesting deeper than 1,000, a number of more than 1,000 digits: jsonb takes
     * both) must not cost the message its other headers, {@code x-pgmq-group} among them. Such headers are read one by
     * one, and one that Jackson will not read is kept as its JSON text in a {@link RawValue}: the consumer leaves it
     * out of the exchange (with a WARN), and whoever writes the headers back (dead letters, a message group) writes it
     * unchanged.
     */
    public static Map<String, Object> headersFromJson(String json) {
        if (json == null || json.isEmpty() || json.charAt(0) != '{') {
            return Collections.emptyMap();
        }
        try {
            return MAPPER.readValue(json, MAP);
        } catch (JsonProcessingException e) {
            return headersOneByOne(json);
        }
    }

    /** The headers read one top-level header at a time, each beyond Jackson's limits kept as a {@link RawValue}. */
    private static Map<String, Object> headersOneByOne(String json) {
        Map<String, Object> headers = new LinkedHashMap<>();
        // this parser only finds where each header's value starts and ends: it skips (iteratively, no recursion)
        try (JsonParser parser = UNLIMITED.createParser(json)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return Collections.emptyMap();
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                parser.nextToken();
                int start = (int) parser.currentTokenLocation().getCharOffset();
                parser.skipChildren();
                parser.finishToken();
                String value = json.substring(start, (int) parser.currentLocation().getCharOffset());
                try {
                    headers.put(name, MAPPER.readValue(value, Object.class));
                } catch (JsonProcessingException beyondLimits) {
                    headers.put(name, new RawValue(value));
                }
            }
        } catch (IOException | RuntimeException notJson) {
            // jsonb text that starts with '{' is an object; this only guards against a foreign column type
        }
        return headers;
    }

    /** Whether a header value is one that {@link #headersFromJson} could not read (beyond Jackson's limits). */
    static boolean isUnreadable(Object headerValue) {
        return headerValue instanceof RawValue;
    }

    /**
     * A message's FIFO group as pgmq sees it: the text of header x-pgmq-group (a number 7 is the group "7"), or
     * {@code null} when the message has none (pgmq puts all of those in one group of their own).
     */
    public static String groupOf(String headersJson) {
        return groupOf(headersFromJson(headersJson));
    }

    /** {@link #groupOf(String)} of headers already read with {@link #headersFromJson}. */
    public static String groupOf(Map<String, Object> headers) {
        Object group = headers.get(PgmqConstants.PGMQ_GROUP);
        if (group == null) {
            return null;
        }
        if (group instanceof RawValue raw) {
            return String.valueOf(raw.rawValue());
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
