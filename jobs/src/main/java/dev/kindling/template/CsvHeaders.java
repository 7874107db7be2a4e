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
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;

/**
 * The header line of each CSV file a source names, read before Spark starts with the parser Spark's
 * own CSV reader uses (univocity), through Hadoop's file systems and compression codecs. Only the
 * first record of each file is read.
 */
final class CsvHeaders {

    private static final char BYTE_ORDER_MARK = '\uFEFF';

    private CsvHeaders() {
    }

    /** A file's header, and whether a record follows it (a row, well-formed or not). */
    record Header(List<String> names, boolean rowsFollow) {
    }

    /**
     * The header of every file of the source that has one, by file, in listing order; empty files
     * have none and are left out.
     */
    static Map<String, Header> read(SourceFiles source, CsvDialect dialect) throws IOException {
        CompressionCodecFactory codecs = new CompressionCodecFactory(source.conf());
        Map<String, Header> headers = new LinkedHashMap<>();
        for (FileStatus file : source.files()) {
            Header header = header(source.fs(), file, codecs, dialect);
            if (header != null) {
                headers.put(file.getPath().toUri().getPath(), header);
            }
        }
        return headers;
    }

    private static Header header(FileSystem fs, FileStatus file, CompressionCodecFactory codecs, CsvDialect dialect) throws IOException {
        if (file.getLen() == 0) {
            return null;
        }
        CompressionCodec codec = codecs.getCodec(file.getPath());
        try (InputStream raw = fs.open(file.getPath());
             InputStream in = codec == null ? raw : codec.createInputStream(raw);
             PushbackReader reader = new PushbackReader(new InputStreamReader(in, dialect.charset()))) {
            int first = reader.read();
            if (first == -1) {
                return null;
            }
            if (first != BYTE_ORDER_MARK) {
                reader.unread(first);
            }
            CsvParser parser = new CsvParser(settings(dialect));
            parser.beginParsing((Reader) reader);
            try {
                String[] record = parser.parseNext();
                if (record == null) {
                    return null;
                }
                return new Header(java.util.Arrays.stream(record).map(v -> v == null ? "" : v).toList(), recordFollows(parser));
            } finally {
                parser.stopParsing();
            }
        }
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
