package io.camelpgmq.component;

import org.apache.camel.support.DefaultHeaderFilterStrategy;

/** Keeps Camel's own headers (Camel*, org.apache.camel.*) out of pgmq's headers, and out of the exchange. */
public class PgmqHeaderFilterStrategy extends DefaultHeaderFilterStrategy {

    public PgmqHeaderFilterStrategy() {
        setOutFilterStartsWith(CAMEL_FILTER_STARTS_WITH);
        setInFilterStartsWith(CAMEL_FILTER_STARTS_WITH);
    }
}
