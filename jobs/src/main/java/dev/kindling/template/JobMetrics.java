package dev.kindling.template;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Observation;
import org.apache.spark.sql.Row;
import scala.concurrent.Await;

/**
 * The run's metrics: named whole-number values reported as Graphite gauges under
 * {@code <metrics.prefix>.<job>.<name>}, plus the Dropwizard registry for timers and histograms.
 * Rows read and written come with each write ({@link Outputs.StagedPartition}); {@link #observe}
 * adds a job's own aggregates, which Spark computes during the write with no extra job (but one
 * extra operator that every row passes, so jobs use it only where they need it).
 */
public final class JobMetrics {

    private static final AtomicInteger OBSERVATIONS = new AtomicInteger();
    /** How long to wait, by default, for an observation Spark has not reported yet when its value is asked for. */
    private static final Duration OBSERVATION_TIMEOUT = Duration.ofSeconds(10);

    private final MetricRegistry registry = new MetricRegistry();
    private final Map<String, AtomicLong> values = new ConcurrentHashMap<>();
    private final List<Observation> pending = new ArrayList<>();
    private final Map<String, Observation> observedNames = new ConcurrentHashMap<>();
    private final Duration observationTimeout;

    public JobMetrics() {
        this(OBSERVATION_TIMEOUT);
    }

    JobMetrics(Duration observationTimeout) {
        this.observationTimeout = observationTimeout;
    }

    /**
     * Sets a value, e.g. {@code set("rows_written", n)}. Dots make levels; each level is made safe
     * with {@link MetricPath#segment}, so names may carry data such as {@code "rows_by_category." + category}.
     */
    public void set(String name, long value) {
        valueOf(name).set(value);
    }

    public void add(String name, long delta) {
        valueOf(name).addAndGet(delta);
    }

    /**
     * The value recorded under name. A value that was never recorded is unknown, not 0: asking for an
     * observed value waits for Spark to report it (briefly, never forever), then fails, so that no
     * check passes on a count that did not arrive.
     */
    public long value(String name) {
        String key = checkName(name);
        AtomicLong value = values.get(key);
        if (value == null) {
            Observation observing = observedBy(key);
            if (observing == null) {
                throw new IllegalStateException("metric " + key + " was never recorded");
            }
            collect(observing, observationTimeout);
            value = values.get(key);
            if (value == null) {
                throw new IllegalStateException("Spark did not report the observed metric " + key + " within "
                        + observationTimeout.toMillis() + " ms: its value is unknown");
            }
        }
        return value.get();
    }

    public MetricRegistry registry() {
        return registry;
    }

    /** Every named value, sorted by name, for the run summary. */
    public SortedMap<String, Long> snapshot() {
        SortedMap<String, Long> copy = new TreeMap<>();
        values.forEach((name, value) -> copy.put(name, value.get()));
        return copy;
    }

    /**
     * Returns rows with aggregate metrics attached, e.g. {@code Map.of("rows_read", count(lit(1)))};
     * the values are recorded when an output of the template has run its action over these rows.
     */
    public Dataset<Row> observe(Dataset<Row> rows, Map<String, Column> aggregates) {
        if (aggregates.isEmpty()) {
            return rows;
        }
        List<Column> named = new ArrayList<>();
        Observation observation = new Observation("kindling_" + OBSERVATIONS.incrementAndGet());
        aggregates.forEach((name, aggregate) -> {
            named.add(aggregate.as(checkName(name)));
            observedNames.put(checkName(name), observation);
        });
        synchronized (pending) {
            pending.add(observation);
        }
        return rows.observe(observation, named.get(0), named.subList(1, named.size()).toArray(Column[]::new));
    }

    /**
     * Called by outputs after a successful action: records every observation that has completed. One
     * that has not stays pending: its values stay unknown until it arrives.
     */
    void collectObservations(Duration timeout) {
        List<Observation> waiting;
        synchronized (pending) {
            waiting = List.copyOf(pending);
        }
        for (Observation observation : waiting) {
            collect(observation, timeout);
        }
    }

    private Observation observedBy(String name) {
        Observation observation = observedNames.get(name);
        synchronized (pending) {
            return observation != null && pending.contains(observation) ? observation : null;
        }
    }

    private void collect(Observation observation, Duration timeout) {
        if (!observation.future().isCompleted() && !awaited(observation, timeout)) {
            return;
        }
        synchronized (pending) {
            if (!pending.remove(observation)) {
                return;
            }
        }
        Row row = observation.getRow();
        for (int i = 0; i < row.length(); i++) {
            Object value = row.get(i);
            String name = row.schema().fields()[i].name();
            if (!(value instanceof Number number)) {
                throw new IllegalStateException("Spark reported " + value + " for the observed metric " + name + ", not a number");
            }
            set(name, number.longValue());
        }
    }

    // An observation fires only for an action over a plan that contains it; wait briefly, never forever.
    private static boolean awaited(Observation observation, Duration timeout) {
        try {
            Await.ready(observation.future(), scala.concurrent.duration.Duration.create(timeout.toMillis(), TimeUnit.MILLISECONDS));
            return observation.future().isCompleted();
        } catch (Exception notYet) {
            return false;
        }
    }

    private AtomicLong valueOf(String name) {
        return values.computeIfAbsent(checkName(name), key -> {
            AtomicLong value = new AtomicLong();
            registry.register(key, (Gauge<Long>) value::get);
            return value;
        });
    }

    private static String checkName(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a metric needs a name, e.g. rows_written");
        }
        return MetricPath.path(name);
    }
}
