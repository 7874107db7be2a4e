package dev.kindling.template;

import java.nio.charset.Charset;
import java.nio.charset.IllegalCharsetNameException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How a CSV file is written. The default is RFC 4180, as Excel and PostgreSQL's {@code COPY ... CSV}
 * write it: a quote inside a quoted field is doubled, and a quoted field may hold line breaks. Each
 * value is checked where it is given, naming the option that gave it.
 *
 * <p>Null and the empty string are two values, as in RFC 4180 and PostgreSQL's {@code COPY ... CSV}: an
 * empty unquoted field is null, and {@code ""} is an empty string (a value no number, date or boolean
 * column can hold, so such a row is quarantined). {@code nullValue} names more text that is null
 * ({@code NULL}, {@code \N}); {@value #QUOTED_EMPTY_IS_NULL} makes a quoted empty field null too.
 *
 * @param nullValue      text that is null besides an empty unquoted field; empty for none
 * @param quotedNewlines whether a quoted field may hold line breaks: each file is then read whole by
 *                       one task; false lets Spark split large files, and a record broken by a line
 *                       break is quarantined as malformed
 */
public record CsvDialect(char delimiter, char quote, char escape, String encoding, boolean header,
                         String nullValue, boolean quotedNewlines) {

    public static final CsvDialect RFC_4180 = new CsvDialect(',', '"', '"', "UTF-8", true, "", true);
    /** The null value that makes {@code ""} null as well as an empty unquoted field (the convention of many exports). */
    public static final String QUOTED_EMPTY_IS_NULL = "\"\"";
    /**
     * Spark's CSV reader reads an empty unquoted field as its null value and a quoted empty field as the
     * empty string, then makes null whatever equals its null value: given an empty null value, it makes
     * both null. A text no file holds keeps them apart.
     */
    private static final String UNQUOTED_EMPTY_ONLY = "\u0000kindling:empty-unquoted\u0000";

    public CsvDialect {
        if (delimiter == quote) {
            throw new InvalidInputException("--delimiter '" + delimiter + "' is also the --quote character: give two different characters");
        }
        if (delimiter == '\n' || delimiter == '\r' || quote == '\n' || quote == '\r') {
            throw new InvalidInputException("--delimiter and --quote cannot be a line break");
        }
        requireCharset(encoding);
        if (nullValue == null) {
            throw new InvalidInputException("--null-value needs a value (an empty string is allowed)");
        }
    }

    /** One character, as given to {@code option}; {@code \t} and "tab" are a tab. */
    public static char character(String option, String value) {
        String text = "\\t".equals(value) || "tab".equalsIgnoreCase(value) ? "\t" : value;
        if (text == null || text.length() != 1) {
            throw new InvalidInputException(option + " '" + value + "' is not one character: give one, e.g. ';' or '\\t' for a tab");
        }
        return text.charAt(0);
    }

    public Charset charset() {
        return Charset.forName(encoding);
    }

    /** The options of Spark's CSV reader that read this dialect. */
    public Map<String, String> sparkOptions() {
        return sparkOptions(null);
    }

    /**
     * The options of Spark's CSV reader that read this dialect from files that end their lines with
     * {@code lineSeparator}: given it, a line break inside a quoted field is kept as the file has it
     * (Spark's parser otherwise writes a CRLF there as LF).
     *
     * @param lineSeparator the files' line separator; null when unknown or not the same in every file
     */
    public Map<String, String> sparkOptions(String lineSeparator) {
        Map<String, String> options = new LinkedHashMap<>();
        options.put("sep", String.valueOf(delimiter));
        options.put("quote", String.valueOf(quote));
        options.put("escape", String.valueOf(escape));
        options.put("encoding", charset().name());
        options.put("header", String.valueOf(header));
        options.put("nullValue", switch (nullValue) {
            case "" -> UNQUOTED_EMPTY_ONLY;
            case QUOTED_EMPTY_IS_NULL -> "";
            default -> nullValue;
        });
        options.put("multiLine", String.valueOf(quotedNewlines));
        if (quotedNewlines && lineSeparator != null) {
            options.put("lineSep", lineSeparator);
        }
        return options;
    }

    private static void requireCharset(String encoding) {
        try {
            if (encoding != null && Charset.isSupported(encoding)) {
                return;
            }
        } catch (IllegalCharsetNameException e) {
            // reported below
        }
        throw new InvalidInputException("--encoding '" + encoding + "' is not a character set this JVM knows, e.g. UTF-8, windows-1250, ISO-8859-2");
    }
}
