package dev.kindling.export;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.HexFormat;

/**
 * Values as PostgreSQL's COPY reads them in CSV format: a null is an empty unquoted field, every other
 * value is quoted (so an empty string stays an empty string), a quote inside is doubled. Text is sent
 * as it is (UTF-8), binary as bytea's hex form, timestamps in ISO 8601 (with Z for an instant).
 */
final class CopyFormat {

    private CopyFormat() {
    }

    /** Appends one CSV record: the Spark partition id, then the values. */
    static void appendRecord(StringBuilder out, int partition, Object[] values) {
        out.append(partition);
        for (Object value : values) {
            out.append(',');
            appendValue(out, value);
        }
        out.append('\n');
    }

    static void appendValue(StringBuilder out, Object value) {
        if (value == null) {
            return;
        }
        String text = text(value);
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"') {
                out.append('"');
            }
            out.append(c);
        }
        out.append('"');
    }

    /** A value's text for PostgreSQL; the types are those Spark's rows hold for the mapped columns. */
    static String text(Object value) {
        if (value instanceof BigDecimal decimal) {
            return decimal.toPlainString();
        }
        if (value instanceof byte[] bytes) {
            return "\\x" + HexFormat.of().formatHex(bytes);
        }
        if (value instanceof java.sql.Timestamp timestamp) {
            return timestamp.toInstant().toString();
        }
        if (value instanceof java.sql.Date date) {
            return date.toLocalDate().toString();
        }
        if (value instanceof Instant || value instanceof LocalDate || value instanceof LocalDateTime
                || value instanceof String || value instanceof Number || value instanceof Boolean) {
            return value.toString(); // Double's "1.0E10", "NaN" and "Infinity" are PostgreSQL's too
        }
        throw new IllegalArgumentException("no COPY form for a value of " + value.getClass().getName());
    }
}
