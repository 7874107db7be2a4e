package dev.kindling.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import dev.kindling.testing.TestSpark;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** The shared test session keeps the local profile's catalogs, so what tests publish is what a local run would. */
class TestSessionLayoutTest {

    @Test
    void theTestSessionHasTheLocalProfilesCatalogsAndWarehouse() {
        SparkSession spark = TestSpark.session();
        Settings local = Settings.resolve("local", List.of(), Map.of("KINDLING_WORK_DIR", TestSpark.workDir().toString()));
        Map<String, String> catalogs = new java.util.TreeMap<>();
        local.sparkSettings().forEach((key, value) -> {
            if (key.startsWith("spark.sql.catalog") || key.equals("spark.sql.extensions") || key.equals("spark.sql.warehouse.dir")) {
                catalogs.put(key, value);
            }
        });
        assertThat(catalogs).containsKeys("spark.sql.catalog.spark_catalog", "spark.sql.catalog.spark_catalog.type", "spark.sql.extensions");
        // Spark qualifies the warehouse folder it was given
        catalogs.forEach((key, value) -> assertThat(spark.conf().get(key).replaceFirst("^file:", "")).as(key).isEqualTo(value));
    }
}
