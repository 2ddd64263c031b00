package io.camelpgmq.client;

import java.io.IOException;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;

/**
 * Checks that a text is one JSON value, so that a bad body is refused before it reaches the database (where it
 * would fail the whole transaction) and the error can say which value was wrong.
 */
public final class JsonText {

    /**
     * Without Jackson's default limits (nesting 1,000 deep, numbers of 1,000 digits, strings of 20 MB): this parser
     * only checks the syntax and skips values without building them, and what jsonb accepts must not be refused here.
     */
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(Integer.MAX_VALUE)
                    .maxNumberLength(Integer.MAX_VALUE)
                    .maxStringLength(Integer.MAX_VALUE)
                    .maxNameLength(Integer.MAX_VALUE)
                    .maxDocumentLength(-1)
                    .build())
            .build();
    private static final int SHOWN_CHARS = 80;

    private JsonText() {
    }

    /**
     * A factory for parsers without Jackson's default limits, for walking JSON that jsonb accepted (deeper or longer
     * than Jackson reads by default) without building its values.
     */
    public static JsonFactory unlimitedFactory() {
        return FACTORY;
    }

    /**
     * @param  json                     the text to check; {@code null} is allowed (pgmq stores SQL NULL)
     * @param  what                     what the text is, for the error ("message body", "headers")
     * @throws IllegalArgumentException when the text is not exactly one JSON value
     */
    static String require(String json, String what) {
        if (json == null) {
            return null;
        }
        try (JsonParser parser = FACTORY.createParser(json)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                throw invalid(json, what, "it is empty");
            }
            parser.skipChildren();
            if (parser.nextToken() != null) {
                throw invalid(json, what, "there is more text after the first JSON value");
            }
            return json;
        } catch (JsonProcessingException e) {
            throw invalid(json, what, e.getOriginalMessage());
        } catch (IOException e) {
            throw invalid(json, what, e.getMessage());
        }
    }

    private static IllegalArgumentException invalid(String json, String what, String reason) {
        String shown = json.length() > SHOWN_CHARS ? json.substring(0, SHOWN_CHARS) + "..." : json;
        return new IllegalArgumentException("The pgmq " + what + " is not valid JSON (" + reason + "): '" + shown
                                            + "'. pgmq stores JSON (jsonb): send a JSON text, a Map, a List or a POJO.");
    }
}
