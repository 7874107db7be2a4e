package dev.kindling.dsl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The DSL uses only Spark's unified org.apache.spark.sql API (SparkSession, Dataset, Column,
 * functions), so the same audiences can run over Spark Connect. This keeps the rule: no classic
 * internals, no RDDs, no SparkContext or query execution in the DSL's sources.
 */
class UnifiedApiOnlyTest {

    private static final List<String> FORBIDDEN = List.of("org.apache.spark.sql.classic", "org.apache.spark.rdd", "org.apache.spark.api.java",
            "JavaRDD", ".rdd()", "sparkContext()", "queryExecution()", "org.apache.spark.sql.execution", "org.apache.spark.sql.internal",
            "org.apache.spark.sql.catalyst");

    @Test
    void theDslSourcesUseOnlyTheUnifiedApi() throws IOException {
        try (Stream<Path> sources = Files.walk(Path.of("src/main/java"))) {
            List<Path> files = sources.filter(p -> p.toString().endsWith(".java")).toList();
            assertThat(files).hasSizeGreaterThan(5);
            for (Path file : files) {
                String text = Files.readString(file);
                assertThat(FORBIDDEN).as(file.toString()).noneMatch(text::contains);
            }
        }
    }
}
