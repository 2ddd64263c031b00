package io.camelpgmq.client;

import java.time.OffsetDateTime;

/**
 * A topic binding: messages sent to a routing key that matches {@code pattern} go to {@code queueName}
 * ({@code pgmq.list_topic_bindings}, {@code pgmq.test_routing}).
 *
 * @param pattern       dot-separated words; {@code *} is exactly one word, {@code #} any characters across words
 * @param queueName     the bound queue
 * @param boundAt       when it was bound; {@code null} in {@link PgmqClient#testRouting} results, which do not carry it
 * @param compiledRegex the regular expression pgmq matches routing keys against
 */
public record PgmqTopicBinding(String pattern, String queueName, OffsetDateTime boundAt, String compiledRegex) {
}
