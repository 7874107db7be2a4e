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

    private final MetricRegistry registry = new MetricRegistry();
    private final Map<String, AtomicLong> values = new ConcurrentHashMap<>();
    private final List<Observation> pending = new ArrayList<>();

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

    /** The value recorded under name; 0 if nothing was recorded. */
    public long value(String name) {
        AtomicLong value = values.get(MetricPath.path(name));
        return value == null ? 0 : value.get();
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
        aggregates.forEach((name, aggregate) -> {
            named.add(aggregate.as(checkName(name)));
        });
        Observation observation = new Observation("kindling_" + OBSERVATIONS.incrementAndGet());
        synchronized (pending) {
            pending.add(observation);
        }
        return rows.observe(observation, named.get(0), named.subList(1, named.size()).toArray(Column[]::new));
    }

    /** Called by outputs after a successful action: records every observation that has completed. */
    void collectObservations(Duration timeout) {
        List<Observation> ready = new ArrayList<>();
        synchronized (pending) {
            for (Observation observation : pending) {
                if (observation.future().isCompleted() || awaited(observation, timeout)) {
                    ready.add(observation);
                }
            }
            pending.removeAll(ready);
        }
        for (Observation observation : ready) {
            Row row = observation.getRow();
            for (int i = 0; i < row.length(); i++) {
                Object value = row.get(i);
                set(row.schema().fields()[i].name(), value instanceof Number n ? n.longValue() : 0L);
            }
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
