package dev.kindling.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

import io.openlineage.client.OpenLineage;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

class LineageTest {

    private static final String TASK_RUN = "01932b5e-1111-7000-8000-000000000001";
    private static final String DAG_RUN = "01932b5e-2222-7000-8000-000000000002";

    private static Settings settings(String... conf) {
        return Settings.resolve("local", List.of(conf), Map.of());
    }

    /** spark-submit's conf as Airflow's provider passes it: the task try as parent, the DAG run as root. */
    private static SparkConf fromAirflow() {
        return new SparkConf(false)
                .set("spark.openlineage.parentJobNamespace", "airflow").set("spark.openlineage.parentJobName", "orders.snapshot")
                .set("spark.openlineage.parentRunId", TASK_RUN)
                .set("spark.openlineage.rootParentJobNamespace", "airflow").set("spark.openlineage.rootParentJobName", "orders")
                .set("spark.openlineage.rootParentRunId", DAG_RUN)
                .set("spark.extraListeners", "com.example.Audit");
    }

    @Test
    void offUnlessAReceiverIsNamed() {
        assertThat(Lineage.of(settings(), "snapshot", fromAirflow(), Optional.empty())).isEmpty();
        assertThat(Settings.DEFAULTS.get("lineage.url")).isEmpty();
    }

    @Test
    void aBadUrlIsOneLineNamingKeyValueAndWhatIsAllowed() {
        assertThatThrownBy(() -> settings("lineage.url=marquez:5000"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("setting lineage.url is 'marquez:5000' (from --conf): expected an http:// or https:// URL with a host, or empty for none");
    }

    @Test
    void theListenersRunsHangUnderKindlingsRunWhichKeepsAirflowsParent() {
        Lineage lineage = Lineage.of(settings("lineage.url=http://127.0.0.1:5000"), "snapshot", fromAirflow(),
                Optional.of(new Lineage.Output("kindling://hive", "sales.orders"))).orElseThrow();
        Map<String, String> spark = lineage.sparkSettings(fromAirflow());

        assertThat(spark).containsEntry("spark.extraListeners", "com.example.Audit," + Lineage.LISTENER)
                .containsEntry("spark.openlineage.transport.url", "http://127.0.0.1:5000")
                .containsEntry("spark.openlineage.transport.endpoint", "/api/v1/lineage")
                .containsEntry("spark.openlineage.transport.timeoutInMillis", "2000")
                .containsEntry("spark.openlineage.namespace", "kindling-local")
                .containsEntry("spark.openlineage.parentJobNamespace", "kindling-local")
                .containsEntry("spark.openlineage.parentJobName", "snapshot")
                .containsEntry("spark.openlineage.parentRunId", lineage.runId().toString())
                .containsEntry("spark.openlineage.rootParentJobName", "orders")
                .containsEntry("spark.openlineage.rootParentRunId", DAG_RUN)
                .containsEntry("spark.openlineage.circuitBreaker.shutdownTimeoutSeconds", "2")
                .containsEntry("spark.openlineage.jobName.appendDatasetName", "false");

        OpenLineage.RunEvent event = lineage.terminalEvent(0, new TreeMap<>(Map.of("rows_read", 51L, "rows_written", 50L, "duration_ms", 9L)),
                Map.of("job", "snapshot", "run_id", "r-1", "logical_date", "2024-02-02"), Map.of("sales.orders", 4242L));
        assertThat(event.getEventType()).isEqualTo(OpenLineage.RunEvent.EventType.COMPLETE);
        assertThat(event.getJob().getName()).isEqualTo("snapshot");
        assertThat(event.getRun().getRunId()).isEqualTo(lineage.runId());
        assertThat(event.getRun().getFacets().getParent().getRun().getRunId()).isEqualTo(UUID.fromString(TASK_RUN));
        assertThat(event.getRun().getFacets().getParent().getJob().getName()).isEqualTo("orders.snapshot");
        assertThat(event.getRun().getFacets().getParent().getRoot().getRun().getRunId()).isEqualTo(UUID.fromString(DAG_RUN));
        // what the run published, named as its Airflow asset is
        assertThat(event.getOutputs()).extracting(d -> d.getNamespace() + "/" + d.getName()).containsExactly("kindling://hive/sales.orders");
        // ... at the snapshot it published
        assertThat(event.getOutputs().get(0).getFacets().getVersion().getDatasetVersion()).isEqualTo("4242");
        assertThat(event.getRun().getFacets().getAdditionalProperties().get(Lineage.FACET).getAdditionalProperties())
                .isEqualTo(Map.of("job", "snapshot", "run_id", "r-1", "logical_date", "2024-02-02",
                        "rows_read", 51L, "rows_written", 50L, "exit_code", 0, "published_snapshots", new TreeMap<>(Map.of("sales.orders", 4242L))));
    }

    @Test
    void aFailedRunIsAFailEventAndWithoutParentItsOwnRoot() {
        Lineage lineage = Lineage.of(settings("lineage.url=http://127.0.0.1:5000"), "verify", new SparkConf(false),
                Optional.of(new Lineage.Output("kindling://verified", "sales.orders"))).orElseThrow();
        assertThat(lineage.sparkSettings(new SparkConf(false)))
                .containsEntry("spark.extraListeners", Lineage.LISTENER)
                .containsEntry("spark.openlineage.rootParentJobName", "verify")
                .containsEntry("spark.openlineage.rootParentRunId", lineage.runId().toString());
        OpenLineage.RunEvent event = lineage.terminalEvent(3, new TreeMap<>(), Map.of(), Map.of());
        assertThat(event.getEventType()).isEqualTo(OpenLineage.RunEvent.EventType.FAIL);
        assertThat(event.getOutputs()).as("a failed run published nothing").isEmpty();
        assertThat(event.getRun().getFacets().getParent()).isNull();
        assertThat(event.getRun().getFacets().getAdditionalProperties().get(Lineage.FACET).getAdditionalProperties())
                .isEqualTo(Map.of("exit_code", 3));
    }

    @Test
    void aParentRunIdThatIsNoUuidIsIgnoredNeverFatal() {
        SparkConf odd = new SparkConf(false).set("spark.openlineage.parentJobNamespace", "airflow")
                .set("spark.openlineage.parentJobName", "t").set("spark.openlineage.parentRunId", "not-a-uuid");
        Lineage lineage = Lineage.of(settings("lineage.url=http://127.0.0.1:5000"), "snapshot", odd, Optional.empty()).orElseThrow();
        assertThat(lineage.terminalEvent(0, new TreeMap<>(), Map.of(), Map.of()).getRun().getFacets().getParent()).isNull();
    }

    @Test
    void theOutputIsTheJobsWritesOptionWithItsValue() {
        assertThat(Lineage.Output.of(new Exporting("public.orders"))).contains(new Lineage.Output("kindling://postgres", "public.orders"));
        assertThat(Lineage.Output.of(new Exporting(null))).as("no value, no output").isEmpty();
        assertThat(Lineage.Output.of(new Object())).isEmpty();
    }

    /** A job's options as picocli leaves them: the option naming what a run writes carries {@link Writes}. */
    private static final class Exporting {
        @Writes(Writes.Kind.POSTGRES)
        private final String targetTable;

        Exporting(String targetTable) {
            this.targetTable = targetTable;
        }
    }
}
