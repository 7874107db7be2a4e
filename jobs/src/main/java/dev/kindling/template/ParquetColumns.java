package dev.kindling.template;

import java.io.IOException;
import java.util.List;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.Type;

/** The top-level columns of a Parquet source, read from one file's footer before Spark starts. */
final class ParquetColumns {

    private ParquetColumns() {
    }

    /**
     * The columns of the first data file under {@code location}; empty when there is none, or when
     * the folder has subfolders (partition folders add columns that only Spark's discovery knows).
     */
    static List<String> read(Configuration conf, String location) throws IOException {
        Path path = new Path(location);
        var fs = path.getFileSystem(conf);
        FileStatus[] matched = fs.globStatus(path);
        if (matched == null || java.util.Arrays.stream(matched).anyMatch(m -> m.isDirectory() && hasSubfolders(fs, m.getPath()))) {
            return List.of();
        }
        List<FileStatus> files = CsvHeaders.dataFiles(fs, path);
        if (files.isEmpty()) {
            return List.of();
        }
        try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromStatus(files.get(0), conf))) {
            return reader.getFileMetaData().getSchema().getFields().stream().map(Type::getName).toList();
        }
    }

    private static boolean hasSubfolders(org.apache.hadoop.fs.FileSystem fs, Path folder) {
        try {
            return java.util.Arrays.stream(fs.listStatus(folder)).anyMatch(s -> s.isDirectory() && !s.getPath().getName().startsWith("_")
                    && !s.getPath().getName().startsWith("."));
        } catch (IOException e) {
            return true;
        }
    }
}
