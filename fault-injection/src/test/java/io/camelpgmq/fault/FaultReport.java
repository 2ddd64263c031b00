package io.camelpgmq.fault;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The figures of one fault scenario, computed from message keys (each logical message carries its own number
 * {@code n} in its body, so a producer's retry and a consumer's redelivery are both recognised).
 *
 * @param sent       messages whose send was acknowledged
 * @param processed  times the route processed a message (redeliveries included)
 * @param lost       acknowledged messages never processed
 * @param duplicated processings beyond the first of a message
 * @param detail     what else the scenario measured, free text
 */
record FaultReport(String scenario, long sent, long processed, long lost, long duplicated, String detail) {

    /** Compares the keys whose send was acknowledged with the keys the route processed (a key may repeat). */
    static FaultReport of(String scenario, Set<Long> sent, Collection<Long> processed, String detail) {
        Map<Long, Integer> times = new HashMap<>();
        processed.forEach(n -> times.merge(n, 1, Integer::sum));
        long lost = sent.stream().filter(n -> !times.containsKey(n)).count();
        long duplicated = times.values().stream().mapToLong(t -> t - 1).sum();
        FaultReport report = new FaultReport(scenario, sent.size(), processed.size(), lost, duplicated, detail);
        System.out.println(report.line());
        return report;
    }

    /** The one-line summary that {@code src/fault/run.sh} collects. */
    String line() {
        return String.format("FAULT %-44s sent %5d | processed %5d | lost %d | duplicated %d%s", scenario, sent,
                processed, lost, duplicated, detail == null || detail.isEmpty() ? "" : " | " + detail);
    }
}
