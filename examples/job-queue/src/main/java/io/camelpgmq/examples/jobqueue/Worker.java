package io.camelpgmq.examples.jobqueue;

import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.camelpgmq.component.PgmqConstants;
import org.apache.camel.Body;
import org.apache.camel.Header;

/**
 * The job handler. A "flaky" job fails its first attempt (the consumer retries it after a back-off); a "poison" job
 * always fails (after maxRetries it lands in the dead-letter queue).
 */
public class Worker {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final JobStats stats;

    public Worker(JobStats stats) {
        this.stats = stats;
    }

    public void process(@Body String body, @Header(PgmqConstants.READ_COUNT) int attempt) throws Exception {
        Map<?, ?> job = JSON.readValue(body, Map.class);
        long id = ((Number) job.get("id")).longValue();
        String kind = (String) job.get("kind");
        boolean quiet = Boolean.TRUE.equals(job.get("quiet"));
        if (attempt == 1) {
            stats.pickedUp(id, quiet);
        } else {
            stats.retried.incrementAndGet();
        }
        if ("poison".equals(kind) || ("flaky".equals(kind) && attempt == 1)) {
            throw new IllegalStateException("job " + id + " (" + kind + ") failed on attempt " + attempt);
        }
        stats.done.incrementAndGet();
        if (quiet) {
            stats.doneQuietly.incrementAndGet();
        }
    }

    public void deadLetter(@Body String body, @Header("x-pgmq-dlq-reason") String reason) {
        stats.deadLettered.incrementAndGet();
        System.out.println("        dead letter: " + body + " <- " + reason);
    }
}
