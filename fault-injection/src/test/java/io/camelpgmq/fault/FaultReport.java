package io.camelpgmq.fault;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** What a fault scenario sent and processed: lost and duplicated messages, printed as one line. */
record FaultReport(String scenario, long sent, long processed, long lost, long duplicated) {

    /** Compares the ids that were sent with the ids the route processed (a processed id may repeat). */
    static FaultReport of(String scenario, Set<Long> sent, Collection<Long> processed) {
        Map<Long, Integer> times = new HashMap<>();
        processed.forEach(id -> times.merge(id, 1, Integer::sum));
        long lost = sent.stream().filter(id -> !times.containsKey(id)).count();
        long duplicated = times.values().stream().mapToLong(n -> n - 1).sum();
        FaultReport report = new FaultReport(scenario, sent.size(), processed.size(), lost, duplicated);
        System.out.println("FAULT " + report.line());
        return report;
    }

    String line() {
        return String.format("%-58s sent %5d  processed %5d  lost %d  duplicated %d", scenario, sent, processed, lost,
                duplicated);
    }
}
