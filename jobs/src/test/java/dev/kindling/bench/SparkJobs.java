package dev.kindling.bench;

import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.SparkSession;

/** Counts the Spark jobs that some work starts, with a listener on the session's context, and when they ran. */
final class SparkJobs {

    private SparkJobs() {
    }

    /**
     * The Spark jobs of some work: how many, when the first started and the last ended (the driver's clock,
     * {@link System#currentTimeMillis()}, as Spark's listener events give it; both 0 without a job).
     */
    record Jobs(int count, long firstStart, long lastEnd) {
    }

    static int startedBy(SparkSession spark, Runnable work) {
        return of(spark, work).count();
    }

    static Jobs of(SparkSession spark, Runnable work) {
        AtomicInteger jobs = new AtomicInteger();
        AtomicLong firstStart = new AtomicLong(Long.MAX_VALUE);
        AtomicLong lastEnd = new AtomicLong();
        SparkListener counter = new SparkListener() {
            @Override
            public void onJobStart(SparkListenerJobStart jobStart) {
                jobs.incrementAndGet();
                firstStart.accumulateAndGet(jobStart.time(), Math::min);
            }

            @Override
            public void onJobEnd(SparkListenerJobEnd jobEnd) {
                lastEnd.accumulateAndGet(jobEnd.time(), Math::max);
            }
        };
        spark.sparkContext().addSparkListener(counter);
        try {
            work.run();
            spark.sparkContext().listenerBus().waitUntilEmpty();
        } catch (TimeoutException e) {
            throw new IllegalStateException("Spark's listener bus did not drain", e);
        } finally {
            spark.sparkContext().removeSparkListener(counter);
        }
        return jobs.get() == 0 ? new Jobs(0, 0, 0) : new Jobs(jobs.get(), firstStart.get(), lastEnd.get());
    }
}
