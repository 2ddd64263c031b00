package io.camelpgmq.examples.orders;

import java.security.SecureRandom;
import java.util.List;

/**
 * The example's own queues: a prefix and a random suffix, so that on your PostgreSQL it never touches queues of
 * yours, and two runs never share one. It drops exactly these at the end.
 */
public record OrderQueues(String prefix) {

    /** Routing keys are {@code orders.<event>}; the topic path of the producer endpoint names no queue. */
    static final String TOPIC = "orders";

    static OrderQueues random() {
        String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        SecureRandom random = new SecureRandom();
        StringBuilder suffix = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            suffix.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return new OrderQueues("order_events_" + suffix);
    }

    String billing() {
        return prefix + "_billing";
    }

    String shipping() {
        return prefix + "_shipping";
    }

    String billingDlq() {
        return billing() + "_dlq";
    }

    String shippingDlq() {
        return shipping() + "_dlq";
    }

    List<String> all() {
        return List.of(billing(), shipping(), billingDlq(), shippingDlq());
    }

    /** "billing" or "shipping" for one of the two consuming queues, else {@code null}. */
    String label(String queue) {
        return billing().equals(queue) ? "billing" : shipping().equals(queue) ? "shipping" : null;
    }
}
