package dev.kindling.dsl;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * An analyst's Spark Connect client reading one partition again and again while a job rewrites it:
 * started by it/cluster/test_readers.py. Prints one line a read, {@code read a=500} (label=rows, sorted)
 * or {@code error <first line>}, until the stop file exists, then reads once more and ends. Arguments:
 * the server's sc:// URL, the table, the ds value, the stop file.
 */
public final class ConnectReaderProbe {

    public static void main(String[] args) throws Exception {
        SparkSession spark = SparkSession.builder().config("spark.api.mode", "connect").remote(args[0]).getOrCreate();
        String query = "SELECT label, count(*) FROM " + args[1] + " WHERE ds = '" + args[2] + "' GROUP BY label ORDER BY label";
        Path stop = Path.of(args[3]);
        boolean last = false;
        while (!last) {
            last = Files.exists(stop);
            try {
                List<Row> rows = spark.sql(query).collectAsList();
                System.out.println("read " + rows.stream().map(row -> row.getString(0) + "=" + row.getLong(1)).collect(Collectors.joining(",")));
            } catch (RuntimeException e) {
                String message = String.valueOf(e.getMessage());
                System.out.println("error " + message.lines().findFirst().orElse(""));
            }
            System.out.flush();
        }
        spark.stop();
    }
}
