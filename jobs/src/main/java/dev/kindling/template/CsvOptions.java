package dev.kindling.template;

import picocli.CommandLine.Option;

/**
 * The command-line options of a CSV source (a picocli mixin for any job that reads CSV). Unset
 * options keep RFC 4180's value; {@link #dialect()} checks them together.
 */
public final class CsvOptions {

    @Option(names = "--delimiter", paramLabel = "CHAR", description = "CSV: the field separator ('\\t' for a tab). Default: ','.")
    String delimiter;

    @Option(names = "--quote", paramLabel = "CHAR", description = "CSV: the quote character. Default: '\"'.")
    String quote;

    @Option(names = "--escape", paramLabel = "CHAR",
            description = "CSV: the character that escapes a quote inside a quoted field. Default: the quote itself (RFC 4180: \"\" is one quote); '\\' for MySQL-style files.")
    String escape;

    @Option(names = "--encoding", paramLabel = "CHARSET", description = "CSV: the files' character set, e.g. windows-1250. Default: UTF-8 (a byte-order mark is skipped).")
    String encoding;

    @Option(names = "--header", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "CSV: the first line of each file names the columns, matched to --schema by name (--no-header: columns by position). Default: header.")
    boolean header;

    @Option(names = "--null-value", paramLabel = "TEXT",
            description = "CSV: text that stands for null besides an empty unquoted field, e.g. NULL or \\N; '\"\"' makes a quoted empty field null too."
                    + " Default: only an empty unquoted field is null; \"\" is an empty string (RFC 4180, PostgreSQL's COPY), which a number, date or boolean column cannot hold.")
    String nullValue;

    @Option(names = "--quoted-newlines", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "CSV: a quoted field may hold line breaks, so each file is read whole by one task (--no-quoted-newlines lets Spark split big files; a record with a line break is then quarantined). Default: quoted-newlines.")
    boolean quotedNewlines;

    /** The dialect these options describe. */
    public CsvDialect dialect() {
        CsvDialect rfc = CsvDialect.RFC_4180;
        char q = quote == null ? rfc.quote() : CsvDialect.character("--quote", quote);
        return new CsvDialect(
                delimiter == null ? rfc.delimiter() : CsvDialect.character("--delimiter", delimiter),
                q,
                escape == null ? q : CsvDialect.character("--escape", escape),
                encoding == null ? rfc.encoding() : encoding,
                header,
                nullValue == null ? rfc.nullValue() : nullValue,
                quotedNewlines);
    }

    /** The name of the first option given, or null when every option has its default. */
    public String firstGiven() {
        if (delimiter != null) {
            return "--delimiter";
        }
        if (quote != null) {
            return "--quote";
        }
        if (escape != null) {
            return "--escape";
        }
        if (encoding != null) {
            return "--encoding";
        }
        if (!header) {
            return "--no-header";
        }
        if (nullValue != null) {
            return "--null-value";
        }
        return quotedNewlines ? null : "--no-quoted-newlines";
    }
}
