package org.example;

import java.time.Duration;
import java.util.List;

import io.camelpgmq.test.PgmqExtension;
import io.camelpgmq.test.PgmqQueues;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static io.camelpgmq.test.PgmqQueues.bodies;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(PgmqExtension.class)
class JobsRouteTest {

    @Test
    void doneJobsAreArchivedAndAPoisonJobEndsInTheDeadLetterQueue(PgmqQueues pgmq) throws Exception {
        String jobs = pgmq.newQueue("jobs");     // queues of this test's own, dropped after it
        String dlq = pgmq.newQueue("jobs_dlq");
        try (CamelContext camel = new DefaultCamelContext()) {
            camel.getRegistry().bind("db", pgmq.dataSource());   // the pgmq component picks up the DataSource
            camel.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("pgmq:" + jobs + "?maxRetries=2&retryDelay=100&deadLetterQueue=" + dlq)
                            .process(exchange -> {
                                if (exchange.getMessage().getBody(String.class).contains("poison")) {
                                    throw new IllegalArgumentException("cannot do this job");
                                }
                            });
                }
            });
            camel.start();

            pgmq.send(jobs, "{\"task\":\"resize\"}");
            pgmq.send(jobs, "{\"task\":\"poison\"}");
            pgmq.awaitEmpty(jobs, Duration.ofSeconds(10));

            assertEquals(List.of("{\"task\": \"resize\"}"), bodies(pgmq.archive(jobs)));   // pgmq stores jsonb
            assertEquals(List.of("{\"task\": \"poison\"}"), bodies(pgmq.deadLetters(dlq)));
            String why = pgmq.deadLetters(dlq).get(0).headers();   // x-pgmq-dlq-reason, -read-count, ...
            assertTrue(why.contains("failed 3 time(s)") && why.contains("cannot do this job"), why);
        }
    }
}
