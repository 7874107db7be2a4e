package dev.kindling.template;

import java.net.URI;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.openlineage.client.OpenLineage;
import io.openlineage.client.OpenLineageClient;
import io.openlineage.client.transports.HttpConfig;
import io.openlineage.client.transports.HttpTransport;
import org.apache.logging.log4j.Logger;
import org.apache.spark.SparkConf;

/**
 * OpenLineage for one run, best-effort: nothing here changes a job's outcome or holds it longer than
 * {@code lineage.timeout.ms} per event.
 *
 * <p>Kindling's run is a job of its own ({@code <lineage.namespace>/<job>}), whose terminal event
 * (COMPLETE or FAIL) carries the {@code kindling} run facet: facts known only at the end (rows, exit
 * code). Its parent is whoever started it (Airflow's task, given as {@code spark.openlineage.parent*}
 * to spark-submit). The OpenLineage Spark listener's runs (the application, {@code kindling_<job>}, and one
 * run per query, with the tables and paths read and written) get Kindling's run as their parent, so a
 * table leads to the query that wrote it, to the Kindling run and to the Airflow task.
 */
public final class Lineage {

    public static final String LISTENER = "io.openlineage.spark.agent.OpenLineageSparkListener";
    static final String FACET = "kindling";
    private static final String PARENT = "spark.openlineage.parent";
    private static final String ROOT = "spark.openlineage.rootParent";
    private static final URI PRODUCER = URI.create("urn:kindling:jobs");
    private static final URI FACET_SCHEMA = URI.create("urn:kindling:facet:kindling:1");
    /** Metrics copied into the kindling facet when the job recorded them. */
    private static final String[] COUNTS = {"rows_read", "rows_written", "rows_quarantined"};

    /** A job of a namespace and one of its runs: a parent or a root in OpenLineage's terms. */
    record RunRef(String namespace, String job, UUID runId) {
    }

    /**
     * What a run publishes, named as its Airflow asset is ({@code kindling://<kind>/<name>}, from the
     * job's {@link Writes} option): Kindling's event gives it as the run's output dataset, namespace
     * {@code kindling://<kind>}, so a table, a PostgreSQL table (written outside Spark, so no query of the
     * listener names it), a mailing list or a model leads to the run that published it.
     */
    record Output(String namespace, String name) {
        /** The Writes option of a job whose options are parsed, with its value; empty if it has none or no value. */
        static Optional<Output> of(Object job) {
            for (Class<?> type = job.getClass(); type != null; type = type.getSuperclass()) {
                for (java.lang.reflect.Field field : type.getDeclaredFields()) {
                    Writes writes = field.getAnnotation(Writes.class);
                    if (writes != null) {
                        try {
                            field.setAccessible(true);
                            Object value = field.get(job);
                            return value == null ? Optional.empty() : Optional.of(new Output("kindling://" + writes.value().id(), value.toString()));
                        } catch (ReflectiveOperationException | RuntimeException e) {
                            return Optional.empty(); // lineage never fails a run
                        }
                    }
                }
            }
            return Optional.empty();
        }
    }

    private final Settings settings;
    private final String job;
    private final UUID runId = UUID.randomUUID();
    private final Optional<RunRef> parent;
    private final Optional<RunRef> root;
    private final Optional<Output> output;

    private Lineage(Settings settings, String job, Optional<RunRef> parent, Optional<RunRef> root, Optional<Output> output) {
        this.settings = settings;
        this.job = job;
        this.parent = parent;
        this.root = root;
        this.output = output;
    }

    /**
     * Lineage for a run of job, or empty when lineage.url is unset. The parent comes from spark-submit's
     * conf (Airflow's provider or operator sets it there) or from {@code kindling --conf}, which wins.
     */
    static Optional<Lineage> of(Settings settings, String job, SparkConf submitted, Optional<Output> output) {
        if (!settings.isSet("lineage.url")) {
            return Optional.empty();
        }
        Map<String, String> given = new LinkedHashMap<>();
        for (var entry : submitted.getAll()) {
            given.put(entry._1(), entry._2());
        }
        given.putAll(settings.sparkSettings());
        Optional<RunRef> parent = runRef(given, PARENT);
        Optional<RunRef> root = runRef(given, ROOT).or(() -> parent);
        return Optional.of(new Lineage(settings, job, parent, root, output));
    }

    /** A complete namespace/job/run triple under prefix, or nothing (a run id that is no UUID is ignored: lineage never fails a run). */
    private static Optional<RunRef> runRef(Map<String, String> conf, String prefix) {
        String namespace = conf.getOrDefault(prefix + "JobNamespace", "");
        String name = conf.getOrDefault(prefix + "JobName", "");
        String run = conf.getOrDefault(prefix + "RunId", "");
        if (namespace.isBlank() || name.isBlank() || run.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new RunRef(namespace, name, UUID.fromString(run.trim())));
        } catch (IllegalArgumentException notUuid) {
            return Optional.empty();
        }
    }

    UUID runId() {
        return runId;
    }

    /**
     * The listener's settings. They win over spark-submit's: the parent keys Airflow gave now point at
     * Kindling's run, and Kindling's own event carries Airflow's task as its parent.
     */
    Map<String, String> sparkSettings(SparkConf submitted) {
        String namespace = settings.get("lineage.namespace");
        Map<String, String> spark = new LinkedHashMap<>();
        String listeners = settings.sparkSettings().getOrDefault("spark.extraListeners", submitted.get("spark.extraListeners", ""));
        spark.put("spark.extraListeners", listeners.isBlank() ? LISTENER : listeners + "," + LISTENER);
        spark.put("spark.openlineage.transport.type", "http");
        spark.put("spark.openlineage.transport.url", settings.get("lineage.url"));
        spark.put("spark.openlineage.transport.endpoint", settings.get("lineage.endpoint"));
        spark.put("spark.openlineage.transport.timeoutInMillis", settings.get("lineage.timeout.ms"));
        // Events leave through one background thread in order, never on Spark's listener bus: a receiver that
        // hangs would otherwise hold the bus (and the session's stop) for every queued event. At the end
        // the queue gets lineage.timeout.ms to drain, then what is left is dropped.
        spark.put("spark.openlineage.circuitBreaker.type", "asyncTaskQueue");
        spark.put("spark.openlineage.circuitBreaker.threadCount", "1");
        spark.put("spark.openlineage.circuitBreaker.queueSize", "1000");
        spark.put("spark.openlineage.circuitBreaker.blockingTimeInSeconds", "0");
        spark.put("spark.openlineage.circuitBreaker.shutdownTimeoutSeconds",
                String.valueOf(Math.max(1, (settings.integer("lineage.timeout.ms") + 999) / 1000)));
        spark.put("spark.openlineage.namespace", namespace);
        // a query's job name stays the same from run to run (by default it ends with the written path, here a run's staging directory)
        spark.put("spark.openlineage.jobName.appendDatasetName", "false");
        spark.put(PARENT + "JobNamespace", namespace);
        spark.put(PARENT + "JobName", job);
        spark.put(PARENT + "RunId", runId.toString());
        RunRef top = root.orElse(new RunRef(namespace, job, runId));
        spark.put(ROOT + "JobNamespace", top.namespace());
        spark.put(ROOT + "JobName", top.job());
        spark.put(ROOT + "RunId", top.runId().toString());
        return spark;
    }

    /** Sends the run's terminal event with the kindling facet; a failure or a timeout is logged, never thrown. */
    void finish(int exitCode, SortedMap<String, Long> metrics, Map<String, String> runFields, Map<String, Long> published, Logger log) {
        OpenLineage.RunEvent event;
        try {
            event = terminalEvent(exitCode, metrics, runFields, published);
        } catch (RuntimeException e) {
            log.warn("lineage: could not build the run's event: {}", e.toString());
            return;
        }
        long timeoutMs = settings.integer("lineage.timeout.ms");
        ExecutorService sender = Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, "kindling-lineage");
            thread.setDaemon(true); // a hung send never keeps the JVM alive
            return thread;
        });
        try {
            Future<?> sent = sender.submit(() -> {
                // a registry of its own: the listener's client already registered its gauges in the global one
                try (OpenLineageClient client = OpenLineageClient.builder().transport(new HttpTransport(httpConfig(timeoutMs)))
                        .meterRegistry(new SimpleMeterRegistry()).build()) {
                    client.emit(event);
                }
                return null;
            });
            // the transport's own timeouts should end it first; this bounds the whole exchange
            sent.get(timeoutMs + 1_000, TimeUnit.MILLISECONDS);
            log.info("lineage: sent {} of {} run {} to {}", event.getEventType(), job, runId, UrlSecrets.masked(settings.get("lineage.url")));
        } catch (TimeoutException e) {
            log.warn("lineage: {} did not take the run's event within {} ms; the run goes on without it", UrlSecrets.masked(settings.get("lineage.url")), timeoutMs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception | LinkageError e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            log.warn("lineage: could not send the run's event to {}: {}", UrlSecrets.masked(settings.get("lineage.url")), UrlSecrets.masked(cause.toString()));
        } finally {
            sender.shutdownNow();
        }
    }

    /** {@code published}: the snapshot of each table the run published, by table name: the output's version, so a table's snapshot leads to its run. */
    OpenLineage.RunEvent terminalEvent(int exitCode, SortedMap<String, Long> metrics, Map<String, String> runFields, Map<String, Long> published) {
        OpenLineage ol = new OpenLineage(PRODUCER);
        OpenLineage.DefaultRunFacet kindling = new OpenLineage.DefaultRunFacet(PRODUCER) {
            @Override
            public URI get_schemaURL() {
                return FACET_SCHEMA;
            }
        };
        Map<String, Object> facts = kindling.getAdditionalProperties();
        runFields.forEach(facts::put); // job, run_id, logical_date, env and, under Airflow, dag_id, task_id, dag_run_id, try_number
        for (String count : COUNTS) {
            if (metrics.containsKey(count)) {
                facts.put(count, metrics.get(count));
            }
        }
        facts.put("exit_code", exitCode);
        if (!published.isEmpty()) {
            facts.put("published_snapshots", new java.util.TreeMap<>(published));
        }
        OpenLineage.RunFacetsBuilder facets = ol.newRunFacetsBuilder().put(FACET, kindling);
        parent.ifPresent(p -> facets.parent(ol.newParentRunFacetBuilder()
                .run(ol.newParentRunFacetRun(p.runId()))
                .job(ol.newParentRunFacetJob(p.namespace(), p.job()))
                .root(root.map(r -> ol.newParentRunFacetRoot(ol.newRootRun(r.runId()), ol.newRootJob(r.namespace(), r.job()))).orElse(null))
                .build()));
        boolean succeeded = exitCode == ExitCode.SUCCESS.code;
        // only a run that succeeded published its output
        java.util.List<OpenLineage.OutputDataset> outputs = output.filter(o -> succeeded)
                .map(o -> ol.newOutputDatasetBuilder().namespace(o.namespace()).name(o.name())
                        .facets(Optional.ofNullable(published.get(o.name()))
                                .map(snapshot -> ol.newDatasetFacetsBuilder().version(ol.newDatasetVersionDatasetFacet(String.valueOf(snapshot))).build())
                                .orElse(null))
                        .build()).stream().toList();
        return ol.newRunEventBuilder()
                .eventType(succeeded ? OpenLineage.RunEvent.EventType.COMPLETE : OpenLineage.RunEvent.EventType.FAIL)
                .outputs(outputs)
                .eventTime(ZonedDateTime.now(ZoneOffset.UTC))
                .run(ol.newRun(runId, facets.build()))
                .job(ol.newJobBuilder().namespace(settings.get("lineage.namespace")).name(job)
                        .facets(ol.newJobFacetsBuilder().jobType(ol.newJobTypeJobFacet("BATCH", "KINDLING", "JOB")).build())
                        .build())
                .build();
    }

    private HttpConfig httpConfig(long timeoutMs) {
        HttpConfig config = new HttpConfig();
        config.setUrl(URI.create(settings.get("lineage.url")));
        config.setEndpoint(settings.get("lineage.endpoint"));
        config.setTimeoutInMillis((int) timeoutMs);
        return config;
    }
}
