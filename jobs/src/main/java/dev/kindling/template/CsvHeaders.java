package dev.kindling.template;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PushbackReader;
import java.io.Reader;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.univocity.parsers.common.TextParsingException;
import com.univocity.parsers.csv.CsvParser;
import com.univocity.parsers.csv.CsvParserSettings;
import org.apache.hadoop.fs.FileStatus;

/**
 * The first record of each CSV file a source names (its header, when it has one) and how the file
 * ends its lines, read before Spark starts with the parser Spark's own CSV reader uses (univocity),
 * through Hadoop's file systems and compression codecs. Only the first records of each file are read.
 */
final class CsvHeaders {

    private static final char BYTE_ORDER_MARK = '\uFEFF';
    /** How much of a file's start is searched for its line separator: the first record must end within it. */
    private static final int LOOKAHEAD = 64 * 1024;

    private CsvHeaders() {
    }

    /**
     * A file's first record (its header, when it has one), whether a record follows it (a row,
     * well-formed or not), and the line separator that ends its first record ({@code \n}, {@code \r\n}
     * or {@code \r}; null when none does within the first {@value #LOOKAHEAD} characters).
     */
    record Header(List<String> names, boolean rowsFollow, String lineSeparator) {
    }

    /**
     * The header of every file of the source that has one, by file, in listing order; empty files
     * have none and are left out.
     */
    static Map<String, Header> read(SourceFiles source, CsvDialect dialect) throws IOException {
        Map<String, Header> headers = new LinkedHashMap<>();
        for (FileStatus file : source.files()) {
            Header header = header(source, file, dialect);
            if (header != null) {
                headers.put(file.getPath().toUri().getPath(), header);
            }
        }
        return headers;
    }

    private static Header header(SourceFiles source, FileStatus file, CsvDialect dialect) throws IOException {
        if (file.getLen() == 0) {
            return null;
        }
        try (InputStream in = source.open(file);
             PushbackReader reader = new PushbackReader(new InputStreamReader(in, dialect.charset()), LOOKAHEAD)) {
            char[] start = new char[LOOKAHEAD];
            int read = 0;
            for (int n = 0; read < LOOKAHEAD && n >= 0; n = reader.read(start, read, LOOKAHEAD - read)) {
                read += n;
            }
            if (read == 0) {
                return null;
            }
            int from = start[0] == BYTE_ORDER_MARK ? 1 : 0;
            reader.unread(start, from, read - from);
            String separator = lineSeparator(start, from, read, dialect);
            CsvParser parser = new CsvParser(settings(dialect));
            parser.beginParsing((Reader) reader);
            try {
                String[] record = parser.parseNext();
                if (record == null) {
                    return null;
                }
                return new Header(java.util.Arrays.stream(record).map(v -> v == null ? "" : v).toList(), recordFollows(parser), separator);
            } finally {
                parser.stopParsing();
            }
        }
    }

    /**
     * The first line break outside quotes in {@code text[from, to)}: {@code \r\n}, {@code \n} or
     * {@code \r}; null when there is none. (univocity's own detection takes the first line break even
     * inside a quoted field, so a first record holding an LF in a CRLF file would read as LF.)
     */
    static String lineSeparator(char[] text, int from, int to, CsvDialect dialect) {
        boolean quoted = false;
        for (int i = from; i < to; i++) {
            char c = text[i];
            if (quoted) {
                if (c == dialect.escape() && dialect.escape() != dialect.quote()) {
                    i++; // the escaped character, whatever it is
                } else if (c == dialect.quote()) {
                    if (i + 1 < to && text[i + 1] == dialect.quote()) {
                        i++; // a doubled quote: one quote inside the field
                    } else {
                        quoted = false;
                    }
                }
            } else if (c == dialect.quote()) {
                quoted = true;
            } else if (c == '\n') {
                return "\n";
            } else if (c == '\r') {
                if (i + 1 == to) {
                    return null; // the next character, past what was read, decides
                }
                return text[i + 1] == '\n' ? "\r\n" : "\r";
            }
        }
        return null;
    }

    /** A record that does not parse is a row too: Spark quarantines it. */
    private static boolean recordFollows(CsvParser parser) {
        try {
            return parser.parseNext() != null;
        } catch (TextParsingException malformed) {
            return true;
        }
    }

    private static CsvParserSettings settings(CsvDialect dialect) {
        CsvParserSettings settings = new CsvParserSettings();
        settings.getFormat().setDelimiter(dialect.delimiter());
        settings.getFormat().setQuote(dialect.quote());
        settings.getFormat().setQuoteEscape(dialect.escape());
        settings.setLineSeparatorDetectionEnabled(true);
        settings.setIgnoreLeadingWhitespaces(false);
        settings.setIgnoreTrailingWhitespaces(false);
        settings.setMaxCharsPerColumn(-1);
        settings.setMaxColumns(20_480);
        return settings;
    }
}
