package dev.kindling.template;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.apache.hadoop.fs.FileStatus;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.Type;

/**
 * The top-level columns of a Parquet source, read from every file's footer before Spark starts: Spark
 * takes a folder's columns from one file, so a file with other columns would read as nulls in some
 * columns and lose its own without a word.
 */
final class ParquetColumns {

    private ParquetColumns() {
    }

    /** The columns of each data file, in the order listed; empty when there is none, or when a folder has subfolders (partition folders add columns that only Spark's discovery knows). */
    static Map<String, List<String>> read(SourceFiles source) throws IOException {
        Map<String, List<String>> columns = new LinkedHashMap<>();
        if (source.hasSubfolders()) {
            return columns;
        }
        for (FileStatus file : source.files()) {
            try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromStatus(file, source.conf()))) {
                columns.put(file.getPath().toString(), reader.getFileMetaData().getSchema().getFields().stream().map(Type::getName).toList());
            }
        }
        return columns;
    }

    /**
     * The columns all files share (names compared without case, as Spark does); files whose columns
     * differ are bad input naming two of them and the difference, unless {@code merge}: then every
     * column of any file, in the order first seen.
     */
    static List<String> common(String option, Map<String, List<String>> files, boolean merge) {
        List<String> first = null;
        String firstFile = null;
        Set<String> all = new LinkedHashSet<>();
        for (Map.Entry<String, List<String>> file : files.entrySet()) {
            file.getValue().forEach(all::add);
            if (first == null) {
                first = file.getValue();
                firstFile = file.getKey();
            } else if (!merge && !new java.util.HashSet<>(lower(first)).equals(new java.util.HashSet<>(lower(file.getValue())))) {
                throw new InvalidInputException(option + ": the Parquet files have different columns: " + file.getKey() + " has "
                        + difference(file.getValue(), first) + ", " + firstFile + " has " + difference(first, file.getValue())
                        + "; read them apart, or merge their columns with --schema-evolution add-columns");
            }
        }
        return first == null ? List.of() : merge ? List.copyOf(all) : first;
    }

    /** The columns of {@code these} that {@code those} lacks, or all of them when none is (the other file has more). */
    private static String difference(List<String> these, List<String> those) {
        List<String> only = new ArrayList<>();
        for (String column : these) {
            if (!lower(those).contains(column.toLowerCase(Locale.ROOT))) {
                only.add(column);
            }
        }
        return only.isEmpty() ? "(" + String.join(", ", these) + ")" : String.join(", ", only) + (only.size() == 1 ? " only" : " alone");
    }

    private static List<String> lower(List<String> names) {
        return names.stream().map(n -> n.toLowerCase(Locale.ROOT)).toList();
    }
}
