package dev.kindling.template;

import static org.apache.spark.sql.functions.count_if;
import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;

import dev.kindling.testing.TestSpark;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;

/** A value Spark did not deliver is unknown: asking for it fails rather than answering 0. */
class JobMetricsTest {

    @Test
    void anObservedValueIsKnownOnceTheActionRan() {
        JobMetrics metrics = new JobMetrics(Duration.ofSeconds(10));
        Dataset<Row> rows = metrics.observe(TestSpark.session().range(10).toDF(), Map.of("even", count_if(col("id").mod(2).equalTo(0))));
        rows.write().format("noop").mode("overwrite").save();
        assertThat(metrics.value("even")).isEqualTo(5);
    }

    @Test
    void anObservationThatNeverRanIsUnknownNotZero() {
        JobMetrics metrics = new JobMetrics(Duration.ofMillis(200));
        metrics.observe(TestSpark.session().range(10).toDF(), Map.of("duplicates", count_if(col("id").lt(0))));
        metrics.collectObservations(Duration.ofMillis(100));

        assertThatThrownBy(() -> metrics.value("duplicates"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("Spark did not report the observed metric duplicates within 200 ms: its value is unknown");
        assertThat(metrics.snapshot()).doesNotContainKey("duplicates");
    }

    @Test
    void aValueNeverRecordedIsUnknown() {
        assertThatThrownBy(() -> new JobMetrics().value("rows_written"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("metric rows_written was never recorded");
    }
}
