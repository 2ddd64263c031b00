package io.camelpgmq.component;

/** What the consumer does with a message whose exchange completed. */
public enum PgmqOnSuccess {
    /** Move it to the archive table a_&lt;queue&gt;: kept for audit, never read again. */
    archive,
    /** Delete it. */
    delete,
    /** Leave it: it becomes visible again when its visibility timeout runs out. */
    none
}
