package io.camelpgmq.component;

import java.net.URI;

import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.junit.jupiter.api.Test;

/** A camel-pgevent route hears the notification the pgmq producer sends with its message. */
class PgmqInteropTest extends PgmqTestSupport {

    private final String queue = newQueue("interop");
    private final String channel = "interop_" + queue;

    @Override
    protected RouteBuilder createRouteBuilder() {
        URI db = URI.create(DB.jdbcUrl().substring("jdbc:".length()));
        String database = db.getPath().substring(1);
        String user = DB.username() != null ? DB.username() : userInUrl().orElse("postgres");
        String password = DB.password() != null ? "&pass=" + DB.password() : "";
        return new RouteBuilder() {
            @Override
            public void configure() {
                from("pgevent://" + db.getHost() + ":" + db.getPort() + "/" + database + "/" + channel + "?user=" + user
                     + password).routeId("pgevent").to("mock:heard");
                from("direct:send").to("pgmq:" + queue + "?channel=" + channel);
            }
        };
    }

    private static java.util.Optional<String> userInUrl() {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("[?&]user=([^&]+)").matcher(DB.jdbcUrl());
        return m.find() ? java.util.Optional.of(m.group(1)) : java.util.Optional.empty();
    }

    @Test
    void pgeventRouteReceivesTheProducersNotification() throws Exception {
        MockEndpoint heard = getMockEndpoint("mock:heard");
        heard.expectedMinimumMessageCount(1);
        // pgevent starts LISTENing asynchronously: send until it hears one
        long end = System.currentTimeMillis() + 10_000;
        while (heard.getReceivedCounter() == 0 && System.currentTimeMillis() < end) {
            template.sendBody("direct:send", "{\"interop\":true}");
            Thread.sleep(300);
        }
        heard.assertIsSatisfied(1000);
    }
}
