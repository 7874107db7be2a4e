package dev.kindling.template;

import java.io.IOException;
import java.net.URI;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * A file system that does not answer, as a namenode in safe mode or a throttled object store may not:
 * every look-up throws an IOException. Registered for the scheme {@code unavailable} with
 * {@code spark.hadoop.fs.unavailable.impl}.
 */
public class UnavailableFileSystem extends RawLocalFileSystem {

    static final String SCHEME = "unavailable";
    static final String SETTING = "spark.hadoop.fs." + SCHEME + ".impl=" + UnavailableFileSystem.class.getName();

    @Override
    public URI getUri() {
        return URI.create(SCHEME + ":///");
    }

    @Override
    public FileStatus getFileStatus(Path path) throws IOException {
        throw new IOException("Call to namenode failed: Name node is in safe mode.\nThe reported blocks 0 needs additional 12 blocks");
    }

    @Override
    public FileStatus[] listStatus(Path path) throws IOException {
        return new FileStatus[] {getFileStatus(path)};
    }
}
