package io.camelpgmq.examples.orders;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What one consuming queue (billing or shipping) did with each order's events, kept so that the order can be
 * checked afterwards rather than assumed: every attempt in the order it began, every success in the order it
 * finished, every dead letter, and any moment two events of one order were in process at once.
 */
public class QueueLedger {

    final String label;
    private final Map<String, List<Integer>> attempts = new HashMap<>();
    private final Map<String, List<Integer>> done = new HashMap<>();
    private final Map<String, Set<Integer>> deadLettered = new HashMap<>();
    private final Set<String> inProcess = new HashSet<>();
    private final Set<String> overlapped = new HashSet<>();
    private final Set<String> wrongGroup = new HashSet<>();
    private long processed;
    private long retried;
    private long deadLetterCount;

    QueueLedger(String label) {
        this.label = label;
    }

    /** An attempt at event {@code seq} of {@code order} begins; a second one of the same order at once is noted. */
    synchronized void begin(String order, int seq, int attempt) {
        if (!inProcess.add(order)) {
            overlapped.add(order);
        }
        attempts.computeIfAbsent(order, o -> new ArrayList<>()).add(seq);
        if (attempt > 1) {
            retried++;
        }
    }

    /** The consumer gave event of {@code order} a CamelPgmqGroupId other than its order id. */
    synchronized void wrongGroup(String order) {
        wrongGroup.add(order);
    }

    /** The attempt ended: {@code ok} when the handler finished it (the consumer then archives it). */
    synchronized void end(String order, int seq, boolean ok) {
        inProcess.remove(order);
        if (ok) {
            done.computeIfAbsent(order, o -> new ArrayList<>()).add(seq);
            processed++;
        }
    }

    /** The dead-letter queue's consumer received event {@code seq} of {@code order}. */
    synchronized void deadLettered(String order, int seq) {
        deadLettered.computeIfAbsent(order, o -> new TreeSet<>()).add(seq);
        deadLetterCount++;
    }

    synchronized long processed() {
        return processed;
    }

    synchronized long retried() {
        return retried;
    }

    synchronized long deadLetterCount() {
        return deadLetterCount;
    }

    /** The events of {@code order} handled successfully here, in the order they finished. */
    synchronized List<Integer> done(String order) {
        return new ArrayList<>(done.getOrDefault(order, List.of()));
    }

    synchronized Map<String, Set<Integer>> deadLetters() {
        Map<String, Set<Integer>> copy = new HashMap<>();
        deadLettered.forEach((o, s) -> copy.put(o, new TreeSet<>(s)));
        return copy;
    }

    /**
     * Whether {@code order}'s events were handled in sequence here: its attempts began in non-decreasing sequence
     * (the retries of an event before any later event), its successes finished in strictly increasing sequence,
     * never two at once, always with the order id as CamelPgmqGroupId, and successes plus dead letters are exactly the {@code expected} events routed to this queue.
     */
    synchronized boolean orderKept(String order, List<Integer> expected) {
        if (overlapped.contains(order) || wrongGroup.contains(order)) {
            return false;
        }
        List<Integer> tried = attempts.getOrDefault(order, List.of());
        for (int i = 1; i < tried.size(); i++) {
            if (tried.get(i) < tried.get(i - 1)) {
                return false;
            }
        }
        List<Integer> finished = done.getOrDefault(order, List.of());
        for (int i = 1; i < finished.size(); i++) {
            if (finished.get(i) <= finished.get(i - 1)) {
                return false;
            }
        }
        TreeSet<Integer> handled = new TreeSet<>(finished);
        handled.addAll(deadLettered.getOrDefault(order, Set.of()));
        return handled.size() == finished.size() + deadLettered.getOrDefault(order, Set.of()).size()
               && new ArrayList<>(handled).equals(expected);
    }
}
