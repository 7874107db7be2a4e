package dev.kindling.template;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;

/**
 * The files a source path names, as Spark reads them: a file, a folder's files, or a Hadoop glob's
 * matches; hidden ones ('_', '.') left out. The path is globbed once, by the preflight check that it
 * exists ({@link Preflight#sourceFiles}), and its folders are listed once, when first asked: the CSV
 * headers and the Parquet footer are read from the same listing.
 */
final class SourceFiles {

    private final Configuration conf;
    private final FileSystem fs;
    private final List<FileStatus> matched;
    private List<FileStatus> files;
    private boolean subfolders;
    private CompressionCodecFactory codecs;

    SourceFiles(Configuration conf, FileSystem fs, FileStatus[] matched) {
        this.conf = conf;
        this.fs = fs;
        this.matched = List.of(matched);
    }

    Configuration conf() {
        return conf;
    }

    /** The data files, sorted by path. */
    List<FileStatus> files() throws IOException {
        list();
        return files;
    }

    /** A data file's bytes as Spark reads them: decompressed by the codec its extension names ({@code .gz}, {@code .bz2}, ...). */
    InputStream open(FileStatus file) throws IOException {
        if (codecs == null) {
            codecs = new CompressionCodecFactory(conf);
        }
        CompressionCodec codec = codecs.getCodec(file.getPath());
        InputStream raw = fs.open(file.getPath());
        return codec == null ? raw : codec.createInputStream(raw);
    }

    /** Whether a matched folder has folders in it (partition folders add columns only Spark's discovery knows). */
    boolean hasSubfolders() throws IOException {
        list();
        return subfolders;
    }

    private void list() throws IOException {
        if (files != null) {
            return;
        }
        List<FileStatus> found = new ArrayList<>();
        boolean folders = false;
        for (FileStatus status : matched) {
            for (FileStatus file : status.isDirectory() ? fs.listStatus(status.getPath()) : new FileStatus[] {status}) {
                String name = file.getPath().getName();
                if (name.startsWith("_") || name.startsWith(".")) {
                    continue;
                }
                if (file.isFile()) {
                    found.add(file);
                } else if (status.isDirectory() && file.isDirectory()) {
                    folders = true;
                }
            }
        }
        found.sort(null);
        files = List.copyOf(found);
        subfolders = folders;
    }
}
