package io.camelpgmq.component;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.camelpgmq.client.PgmqMetrics;
import org.apache.camel.Route;
import org.apache.camel.spi.annotations.DevConsole;
import org.apache.camel.support.console.AbstractDevConsole;

/** Camel's dev console for pgmq: each consumer's queue figures, counters and listener state. */
@DevConsole(group = "camel", name = "pgmq", displayName = "PGMQ", description = "pgmq queues consumed by this Camel")
public class PgmqDevConsole extends AbstractDevConsole {

    public PgmqDevConsole() {
        super("camel", "pgmq", "PGMQ", "pgmq queues consumed by this Camel");
    }

    @Override
    protected String doCallText(Map<String, Object> options) {
        StringBuilder text = new StringBuilder();
        for (Map<String, Object> row : rows()) {
            text.append(String.format("Queue: %s (route %s)%n", row.get("queue"), row.get("routeId")));
            row.forEach((k, v) -> {
                if (!k.equals("queue") && !k.equals("routeId")) {
                    text.append(String.format("    %s: %s%n", k, v));
                }
            });
        }
        return text.toString();
    }

    @Override
    protected Map<String, Object> doCallJson(Map<String, Object> options) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("consumers", rows());
        return root;
    }

    private List<Map<String, Object>> rows() {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Route route : getCamelContext().getRoutes()) {
            if (route.getConsumer() instanceof PgmqConsumer consumer) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("queue", consumer.getEndpoint().getConfiguration().getQueueName());
                row.put("routeId", route.getRouteId());
                try {
                    PgmqMetrics m = consumer.getEndpoint().getClient().metrics(
                            consumer.getEndpoint().getConfiguration().getQueueName());
                    row.put("queueLength", m.queueLength());
                    row.put("visibleLength", m.queueVisibleLength());
                    row.put("oldestMessageAgeSeconds", m.oldestMsgAgeSec());
                    row.put("totalMessages", m.totalMessages());
                } catch (RuntimeException e) {
                    row.put("metricsError", e.getMessage());
                }
                row.put("processed", consumer.getProcessedCount());
                row.put("failed", consumer.getFailedCount());
                row.put("inFlight", consumer.getInFlightCount());
                row.put("reads", consumer.getReadCount());
                row.put("listenerConnected", consumer.isListenerConnected());
                row.put("insertTriggerThrottleMs", consumer.getInsertTriggerThrottleMillis());
                row.put("lastReadError", consumer.getLastReadError());
                rows.add(row);
            }
        }
        return rows;
    }
}
