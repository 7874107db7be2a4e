package dev.kindling.bench;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.iceberg.metrics.CommitReport;
import org.apache.iceberg.metrics.MetricsReport;
import org.apache.iceberg.metrics.MetricsReporter;
import org.apache.iceberg.metrics.ScanReport;

/**
 * Iceberg's metrics reports of the benchmarks' session catalog ({@code metrics-reporter-impl}, see
 * {@link BenchSession}), kept in memory: one commit report for each snapshot a write or an overwrite
 * commits (with the commit's own time), one scan report for each scan Iceberg plans. A commit without
 * a snapshot (table properties, expiring snapshots) reports nothing; {@link SnapshotBenchmark} counts
 * those from the table's metadata versions instead.
 */
public final class IcebergReports implements MetricsReporter {

    private static final List<MetricsReport> REPORTS = new CopyOnWriteArrayList<>();

    /** Made by Iceberg's catalog, by reflection. */
    public IcebergReports() {
    }

    @Override
    public void report(MetricsReport report) {
        REPORTS.add(report);
    }

    /** Where the reports stand now, for {@link #since}. */
    static int mark() {
        return REPORTS.size();
    }

    /** The reports after a mark: snapshot commits (operations in order, their total time) and scans planned. */
    static Since since(int mark) {
        List<MetricsReport> reports = List.copyOf(REPORTS.subList(mark, REPORTS.size()));
        List<CommitReport> commits = reports.stream().filter(CommitReport.class::isInstance).map(CommitReport.class::cast).toList();
        long commitMs = commits.stream().mapToLong(c -> c.commitMetrics().totalDuration() == null ? 0 : c.commitMetrics().totalDuration().totalDuration().toMillis()).sum();
        long scans = reports.stream().filter(ScanReport.class::isInstance).count();
        return new Since(commits.stream().map(CommitReport::operation).toList(), commitMs, (int) scans);
    }

    record Since(List<String> commits, long commitMs, int scans) {
    }
}
