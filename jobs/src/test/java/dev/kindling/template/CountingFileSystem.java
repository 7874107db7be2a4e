package dev.kindling.template;

import java.io.IOException;
import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.PathFilter;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * The local file system, counting its globs and folder listings (each a round trip to a namenode or
 * an object store's list call). Registered for the scheme {@code counting} with {@link #SETTING}.
 */
public class CountingFileSystem extends RawLocalFileSystem {

    static final String SCHEME = "counting";
    static final String SETTING = "spark.hadoop.fs." + SCHEME + ".impl=" + CountingFileSystem.class.getName();
    static final AtomicInteger GLOBS = new AtomicInteger();
    static final AtomicInteger LISTINGS = new AtomicInteger();

    static void reset() {
        GLOBS.set(0);
        LISTINGS.set(0);
    }

    @Override
    public URI getUri() {
        return URI.create(SCHEME + ":///");
    }

    @Override
    public FileStatus[] globStatus(Path pattern) throws IOException {
        GLOBS.incrementAndGet();
        return super.globStatus(pattern);
    }

    @Override
    public FileStatus[] globStatus(Path pattern, PathFilter filter) throws IOException {
        GLOBS.incrementAndGet();
        return super.globStatus(pattern, filter);
    }

    @Override
    public FileStatus[] listStatus(Path path) throws IOException {
        LISTINGS.incrementAndGet();
        return super.listStatus(path);
    }
}
