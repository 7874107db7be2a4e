package dev.kindling.template;

import java.io.IOException;
import java.util.List;

import org.apache.hadoop.fs.FileStatus;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.Type;

/** The top-level columns of a Parquet source, read from one file's footer before Spark starts. */
final class ParquetColumns {

    private ParquetColumns() {
    }

    /**
     * The columns of the first data file of the source; empty when there is none, or when a folder
     * has subfolders (partition folders add columns that only Spark's discovery knows).
     */
    static List<String> read(SourceFiles source) throws IOException {
        if (source.hasSubfolders() || source.files().isEmpty()) {
            return List.of();
        }
        FileStatus first = source.files().get(0);
        try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromStatus(first, source.conf()))) {
            return reader.getFileMetaData().getSchema().getFields().stream().map(Type::getName).toList();
        }
    }
}
