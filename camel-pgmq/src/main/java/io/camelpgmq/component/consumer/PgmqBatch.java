package io.camelpgmq.component.consumer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

import io.camelpgmq.client.PgmqMessage;
import io.camelpgmq.component.PgmqJson;

/**
 * The messages of one read, each a delivery in one of four states. The reader thread starts them one by one; the
 * consumer's housekeeping (another thread) may meanwhile complete the finished ones, give back waiting ones whose
 * visibility would run out, or extend the visibility of those in process. Every change of state happens under the
 * batch's lock, so a message is started or given back, never both.
 */
public final class PgmqBatch {

    /** Where a message of the batch is. */
    public enum State {
        /** Read, not handed to the route yet. */
        WAITING,
        /** Handed to the route. */
        PROCESSING,
        /** The route succeeded; not archived (or deleted) yet, or its completion failed and is tried again. */
        SUCCEEDED,
        /** Completed, failed and handled, or given back. */
        DONE
    }

    private final List<PgmqMessage> messages;
    private final String[] groups;
    private final State[] states;
    // local estimate (System.nanoTime) of when each message becomes visible again
    private final long[] visibleUntil;
    // held while a message's visibility is written (a retry delay, an extension), so one cannot undo the other
    private final Object visibilityWrites = new Object();
    private boolean completionFailed;
    private boolean groupsRead;

    /**
     * @param visibleInNanos how long the read hid the messages, measured in the database's clock
     */
    public PgmqBatch(List<PgmqMessage> messages, long readNanos, long visibleInNanos) {
        // in msg_id order: a grouped read may interleave groups, and each group must reach the route in order
        this.messages = messages.stream().sorted(Comparator.comparingLong(PgmqMessage::msgId)).toList();
        this.groups = new String[messages.size()];
        this.states = new State[messages.size()];
        this.visibleUntil = new long[messages.size()];
        for (int i = 0; i < states.length; i++) {
            states[i] = State.WAITING;
            visibleUntil[i] = readNanos + visibleInNanos;
        }
    }

    /** The message's FIFO group (pgmq header x-pgmq-group), or {@code null} for the group of messages without one. */
    public synchronized String group(int index) {
        if (!groupsRead) {
            // read when first asked (a grouped consumer's failure): a plain batch never needs its messages' headers here
            for (int i = 0; i < groups.length; i++) {
                groups[i] = PgmqJson.groupOf(messages.get(i).headers());
            }
            groupsRead = true;
        }
        return groups[index];
    }

    /** The lock under which the visibility of this batch's messages in process is written. */
    public Object visibilityWrites() {
        return visibilityWrites;
    }

    /** The messages as read, in read order. */
    public List<PgmqMessage> messages() {
        return messages;
    }

    /** How many messages the batch has. */
    public int size() {
        return messages.size();
    }

    /** Marks the message as handed to the route; false when it was given back meanwhile. */
    public synchronized boolean start(int index) {
        if (states[index] != State.WAITING) {
            return false;
        }
        states[index] = State.PROCESSING;
        return true;
    }

    /** Marks the message as succeeded in the route, awaiting its completion. */
    public synchronized void succeeded(int index) {
        states[index] = State.SUCCEEDED;
    }

    /** Marks the message as done: completed, failed and handled, or given back. */
    public synchronized void done(int index) {
        states[index] = State.DONE;
    }

    /** When (System.nanoTime) the message becomes visible to other readers again. */
    public synchronized long visibleUntilNanos(int index) {
        return visibleUntil[index];
    }

    /** Takes the finished messages for completion. */
    public synchronized List<PgmqMessage> takeSucceeded() {
        return take(State.SUCCEEDED, Long.MAX_VALUE);
    }

    /** Puts back taken messages whose completion failed on a transient error, to be completed again. */
    public synchronized void completionFailed(List<PgmqMessage> deliveries) {
        completionFailed = true;
        for (int i = 0; i < states.length; i++) {
            if (states[i] == State.DONE && deliveries.contains(messages.get(i))) {
                states[i] = State.SUCCEEDED;
            }
        }
    }

    /** Whether a completion of this batch failed on a transient error, so that completing now is a retry. */
    public synchronized boolean hadCompletionFailure() {
        return completionFailed;
    }

    /** Takes the succeeded messages whose visibility ran out before {@code deadlineNanos}: completing them gave up. */
    public synchronized List<PgmqMessage> takeSucceededVisibleBefore(long deadlineNanos) {
        return take(State.SUCCEEDED, deadlineNanos);
    }

    /** The succeeded messages, not completed yet, that become visible again before {@code deadlineNanos}. */
    public synchronized List<PgmqMessage> succeededVisibleBefore(long deadlineNanos) {
        List<PgmqMessage> found = new ArrayList<>();
        for (int i = 0; i < states.length; i++) {
            if (states[i] == State.SUCCEEDED && visibleUntil[i] - deadlineNanos < 0) {
                found.add(messages.get(i));
            }
        }
        return found;
    }

    /** Whether every message is done: nothing left to start, complete or extend. */
    public synchronized boolean isDone() {
        return count(State.DONE) == states.length;
    }

    /** Takes every waiting message, to give it back. */
    public synchronized List<PgmqMessage> takeWaiting() {
        return take(State.WAITING, Long.MAX_VALUE);
    }

    /** Takes the waiting messages of one group, to give them back: their group waits for a failed message's retry. */
    public synchronized List<PgmqMessage> takeWaitingOfGroup(String group) {
        List<PgmqMessage> taken = new ArrayList<>();
        for (int i = 0; i < states.length; i++) {
            if (states[i] == State.WAITING && Objects.equals(group(i), group)) {
                states[i] = State.DONE;
                taken.add(messages.get(i));
            }
        }
        return taken;
    }

    /** Takes the waiting messages that become visible again before {@code deadlineNanos}, to give them back. */
    public synchronized List<PgmqMessage> takeWaitingVisibleBefore(long deadlineNanos) {
        return take(State.WAITING, deadlineNanos);
    }

    /** The messages in process that become visible again before {@code deadlineNanos}. */
    public synchronized List<PgmqMessage> processingVisibleBefore(long deadlineNanos) {
        List<PgmqMessage> found = new ArrayList<>();
        for (int i = 0; i < states.length; i++) {
            if (states[i] == State.PROCESSING && visibleUntil[i] - deadlineNanos < 0) {
                found.add(messages.get(i));
            }
        }
        return found;
    }

    /** Records that the visibility of these messages now runs until {@code untilNanos}. */
    public synchronized void extended(List<Long> msgIds, long untilNanos) {
        for (int i = 0; i < states.length; i++) {
            if (msgIds.contains(messages.get(i).msgId())) {
                visibleUntil[i] = untilNanos;
            }
        }
    }

    /** How many messages are in {@code state}. */
    public synchronized int count(State state) {
        int n = 0;
        for (State s : states) {
            if (s == state) {
                n++;
            }
        }
        return n;
    }

    private List<PgmqMessage> take(State state, long deadlineNanos) {
        List<PgmqMessage> taken = new ArrayList<>();
        for (int i = 0; i < states.length; i++) {
            if (states[i] == state && (deadlineNanos == Long.MAX_VALUE || visibleUntil[i] - deadlineNanos < 0)) {
                states[i] = State.DONE;
                taken.add(messages.get(i));
            }
        }
        return taken;
    }
}
