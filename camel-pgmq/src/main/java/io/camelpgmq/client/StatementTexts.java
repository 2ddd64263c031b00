package io.camelpgmq.client;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The texts of the consumer's statements (its reads and completions), each written once per queue and shape and then
 * reused. Written at every call, a grouped read's text cost 5-14 us of {@code String.format} (60 us before the JIT
 * compiled it), and every new string was hashed and compared in full again by pgjdbc's statement cache; the same
 * string each time is hashed once and matched by identity.
 * <p>
 * A client holds few shapes (per queue: a read per mode and batch size, a completion or two), but nothing bounds the
 * queue names a caller may pass: beyond {@link #MOST} texts it writes them at each call again instead of keeping
 * more.
 */
final class StatementTexts {

    /** The most texts kept. */
    static final int MOST = 1_024;

    /** A statement's shape: what its text is written from, and how. Records, so that equal shapes share a text. */
    interface Shape {
        String write();
    }

    private final Map<Shape, String> texts = new ConcurrentHashMap<>();

    /** The text of {@code shape}, written the first time it is asked for. */
    String of(Shape shape) {
        String text = texts.get(shape);
        if (text != null) {
            return text;
        }
        if (texts.size() >= MOST) {
            return shape.write();
        }
        return texts.computeIfAbsent(shape, Shape::write);
    }
}
