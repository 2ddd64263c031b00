package io.camelpgmq.component;

import io.camelpgmq.test.TcpProxy;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A network path that silently drops everything (no RST, no FIN) must end a send in an error within the socket
 * timeout, not hang it until the OS gives up; once the path is back, sends work again. Through a real TCP proxy in
 * front of the real test database.
 */
class PgmqSocketTimeoutTest extends PgmqTestSupport {

    private final String queue = newQueue("sockto");

    @Test
    void aSendThroughABlackHoleFailsWithinTheSocketTimeoutAndWorksAfterRestore() throws Exception {
        try (TcpProxy proxy = TcpProxy.forJdbcUrl(DB.jdbcUrl())) {
            PgmqComponent component = new PgmqComponent();
            component.setUrl(proxy.proxiedUrl(DB.jdbcUrl()));
            component.setUsername(DB.username());
            component.setPassword(DB.password());
            component.setSocketTimeout(2000);
            CamelContext other = new DefaultCamelContext();
            other.addComponent("pgmq", component);
            other.start();
            try {
                ProducerTemplate template = other.createProducerTemplate();
                String uri = "pgmq:" + queue;
                template.sendBody(uri, "{\"before\": true}");
                assertEquals(1, client.metrics(queue).queueLength());

                proxy.blackHole();
                long start = System.nanoTime();
                Exception e = assertThrows(Exception.class, () -> template.sendBody(uri, "{\"during\": true}"));
                long tookMillis = (System.nanoTime() - start) / 1_000_000;
                // the pool's validation (1 s), then a statement or a login waiting out the 2 s socket timeout; far
                // from the minutes a hung socket takes
                assertTrue(tookMillis < 8000, "the send failed only after " + tookMillis + " ms: " + e);

                proxy.restore();
                template.sendBody(uri, "{\"after\": true}");
                assertTrue(client.read(queue, 30, 10).stream().anyMatch(m -> m.message().contains("after")));
            } finally {
                other.stop();
            }
        }
    }

    @Test
    void socketTimeoutIsRoundedUpToWholeSeconds() {
        PgmqComponent component = new PgmqComponent();
        assertEquals(30, component.socketTimeoutSeconds());
        component.setSocketTimeout(1500);
        assertEquals(2, component.socketTimeoutSeconds());
        component.setSocketTimeout(1);
        assertEquals(1, component.socketTimeoutSeconds());
        component.setSocketTimeout(0);
        assertEquals(0, component.socketTimeoutSeconds());
    }
}
