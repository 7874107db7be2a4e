package dev.kindling.template;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import org.apache.hadoop.fs.FileStatus;
import org.apache.spark.sql.types.StructType;

/**
 * How {@code --schema} binds to the keys of JSON records, decided before Spark starts from the first
 * {@value #RECORDS_READ} records of each file (Spark's JSON reader matches keys exactly and makes a
 * column no record has a column of nulls, without a word).
 *
 * <p>The rule: a schema column binds to the key of the same name; when no key has exactly its name,
 * to the one key that differs from it in case alone. Bad input (exit 2), naming the columns: a
 * column that is a key of no record read, a column that two keys match in case alone ({@code amount}
 * and {@code Amount}), and, unless extra keys are ignored, a key no column binds.
 */
final class JsonKeys {

    static final int RECORDS_READ = Source.JSON_RECORDS_CHECKED;
    private static final JsonFactory JSON = new JsonFactory();

    private JsonKeys() {
    }

    /** The top-level keys of the first records of each file, by file, in first-seen order; files with no object record are left out. */
    static Map<String, Set<String>> read(SourceFiles source) throws IOException {
        Map<String, Set<String>> keys = new LinkedHashMap<>();
        for (FileStatus file : source.files()) {
            Set<String> found = keys(source, file);
            if (!found.isEmpty()) {
                keys.put(file.getPath().toUri().getPath(), found);
            }
        }
        return keys;
    }

    private static Set<String> keys(SourceFiles source, FileStatus file) throws IOException {
        Set<String> keys = new LinkedHashSet<>();
        if (file.getLen() == 0) {
            return keys;
        }
        try (InputStream in = source.open(file);
             BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            int records = 0;
            for (String line = lines.readLine(); line != null && records < RECORDS_READ; line = lines.readLine()) {
                if (!line.isBlank()) {
                    records++;
                    addKeys(line, keys);
                }
            }
        }
        return keys;
    }

    /** A line that is not a JSON object adds no key: Spark quarantines it. */
    private static void addKeys(String line, Set<String> keys) {
        List<String> found = new ArrayList<>();
        try (JsonParser parser = JSON.createParser(line)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return;
            }
            for (JsonToken token = parser.nextToken(); token == JsonToken.FIELD_NAME; token = parser.nextToken()) {
                found.add(parser.currentName());
                parser.nextToken();
                parser.skipChildren();
            }
        } catch (IOException malformed) {
            return;
        }
        keys.addAll(found);
    }

    /**
     * Each schema column's key in the files, by column name; fails as the class says.
     *
     * @param where the option and location, for messages
     */
    static Map<String, String> bind(String where, StructType schema, Map<String, Set<String>> keysByFile, boolean ignoreExtraKeys) {
        if (keysByFile.isEmpty()) {
            return Map.of(); // no record to read keys from: whether no rows may be published is the job's to say
        }
        Set<String> keys = new LinkedHashSet<>();
        keysByFile.values().forEach(keys::addAll);
        Map<String, String> binding = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        for (String column : schema.fieldNames()) {
            List<String> sameInCase = keys.stream().filter(column::equalsIgnoreCase).toList();
            if (sameInCase.size() > 1) {
                throw new InvalidInputException(where + ": --schema column " + column + " matches the keys " + String.join(" and ", sameInCase)
                        + ", which differ in case alone; rename one (a key binds to a column of its exact name, or of another case when only one key matches)");
            }
            if (sameInCase.isEmpty()) {
                missing.add(column);
            } else {
                binding.put(column, sameInCase.get(0));
            }
        }
        if (!missing.isEmpty()) {
            throw new InvalidInputException(where + ": --schema " + (missing.size() == 1 ? "column " : "columns ") + String.join(", ", missing)
                    + (missing.size() == 1 ? " is a key" : " are keys") + " of no record (the first " + RECORDS_READ + " records of each file have: "
                    + String.join(", ", keys) + "); JSON keys are matched to columns by name, so it would be null in every row");
        }
        if (!ignoreExtraKeys) {
            for (Map.Entry<String, Set<String>> file : keysByFile.entrySet()) {
                List<String> extra = file.getValue().stream().filter(key -> !binding.containsValue(key)).toList();
                if (!extra.isEmpty()) {
                    throw new InvalidInputException(where + ": " + (extra.size() == 1 ? "the key " : "the keys ") + String.join(", ", extra) + " of records in "
                            + file.getKey() + (extra.size() == 1 ? " is" : " are") + " not in --schema, so "
                            + (extra.size() == 1 ? "its values" : "their values") + " would be dropped; add "
                            + (extra.size() == 1 ? "it" : "them") + " to --schema, or --extra-keys ignore drops them");
                }
            }
        }
        return binding;
    }
}
