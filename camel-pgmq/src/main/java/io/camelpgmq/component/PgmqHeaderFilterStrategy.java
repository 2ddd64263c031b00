package io.camelpgmq.component;

import java.util.Locale;

import org.apache.camel.Exchange;
import org.apache.camel.support.DefaultHeaderFilterStrategy;

/**
 * Keeps Camel's own headers ({@code Camel*}, {@code org.apache.camel.*}) out of pgmq's headers, and out of the
 * exchange, in any letter case.
 * <p>
 * Camel looks headers up case-insensitively, so a pgmq header {@code CAMELPGMQOPERATION} read from a queue would act
 * as {@code CamelPgmqOperation} on the next endpoint (a {@code purge} instead of a send), and {@code CAMELSQLQUERY}
 * as another component's instruction. Anyone who can send to a queue must not be able to steer the route that reads
 * it, so the prefix check ignores case in both directions (the same fix as Camel's CVE-2025-27636).
 */
public class PgmqHeaderFilterStrategy extends DefaultHeaderFilterStrategy {

    public PgmqHeaderFilterStrategy() {
        setOutFilterStartsWith(CAMEL_FILTER_STARTS_WITH);
        setInFilterStartsWith(CAMEL_FILTER_STARTS_WITH);
    }

    /** Camel headers to pgmq headers (producer). */
    @Override
    public boolean applyFilterToCamelHeaders(String headerName, Object headerValue, Exchange exchange) {
        return isCamelHeader(headerName) || super.applyFilterToCamelHeaders(headerName, headerValue, exchange);
    }

    /** pgmq headers to Camel headers (consumer). */
    @Override
    public boolean applyFilterToExternalHeaders(String headerName, Object headerValue, Exchange exchange) {
        return isCamelHeader(headerName) || super.applyFilterToExternalHeaders(headerName, headerValue, exchange);
    }

    /** Whether the name starts with {@code camel} or {@code org.apache.camel.}, in any case. */
    static boolean isCamelHeader(String headerName) {
        if (headerName == null) {
            return false;
        }
        String lower = headerName.trim().toLowerCase(Locale.ROOT);
        return lower.startsWith("camel") || lower.startsWith("org.apache.camel.");
    }
}
