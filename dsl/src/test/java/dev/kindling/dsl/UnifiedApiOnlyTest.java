package dev.kindling.dsl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DSL uses only Spark's unified org.apache.spark.sql API, so the same audiences can run over
 * Spark Connect: its sources compile against spark-sql-api alone (the API that both the classic
 * session and the Spark Connect client implement), without spark-sql, Catalyst or spark-core, so
 * no classic internals, RDDs or SparkContext can slip in.
 */
class UnifiedApiOnlyTest {

    private static final List<String> API_JARS = List.of("spark-sql-api_", "spark-common-utils_", "scala-library-");

    @TempDir
    Path classes;

    @Test
    void theDslCompilesAgainstTheUnifiedApiAlone() throws IOException {
        List<String> classPath = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> API_JARS.stream().anyMatch(Path.of(entry).getFileName().toString()::startsWith))
                .toList();
        assertThat(classPath).as("the API jars on the test class path").hasSize(API_JARS.size());
        List<String> sources;
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            sources = files.map(Path::toString).filter(name -> name.endsWith(".java")).toList();
        }
        List<String> arguments = new ArrayList<>(List.of("-proc:none", "-d", classes.toString(), "-classpath", String.join(File.pathSeparator, classPath)));
        arguments.addAll(sources);

        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int status = javac.run(null, null, errors, arguments.toArray(String[]::new));

        assertThat(status).as(errors.toString()).isZero();
        assertThat(classes.resolve("dev/kindling/dsl/Audience.class")).exists();
    }
}
