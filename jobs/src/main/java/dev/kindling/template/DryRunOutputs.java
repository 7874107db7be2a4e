package dev.kindling.template;

import java.io.PrintStream;

import dev.kindling.dsl.publish.Difference;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Outputs of a dry run: checks names and that the rows fit the table, prints the target and the
 * Spark plan (EXPLAIN runs no Spark job), and writes nothing.
 */
final class DryRunOutputs implements RunOutputs {

    private final SparkSession spark;
    private final PrintStream out;

    DryRunOutputs(SparkSession spark, PrintStream out) {
        this.spark = spark;
        this.out = out;
    }

    @Override
    public StagedPartition stagePartition(String name, Partition partition, Dataset<Row> rows, SchemaEvolution evolution) {
        TableName table = PartitionTables.outputTable(name);
        PartitionTables.Fit fit = PartitionTables.fitToTable(spark, table.toString(), partition, rows, evolution);
        Dataset<Row> ordered = fit.rows();
        String target = table + " partition " + PartitionTables.partitionSpec(partition);
        out.println("dry run: would write table " + target + (fit.tableExists() ? "" : " (new table)")
                + " with columns " + ordered.schema().toDDL()
                + (fit.newColumns().isEmpty() ? "" : ", adding columns " + SchemaDiff.columns(fit.newColumns())));
        out.println("dry run: Spark plan of the rows to write:");
        out.println(plan(ordered));
        return new StagedPartition() {
            @Override
            public long rowsRead() {
                return 0;
            }

            @Override
            public long rowsWritten() {
                return 0;
            }

            @Override
            public Dataset<Row> rows() {
                return ordered;
            }

            @Override
            public Quarantine quarantine(Dataset<Row> rejects) {
                out.println("dry run: would write rejected rows of " + target + " into " + table.withSuffix(SparkOutputs.QUARANTINE_SUFFIX));
                return new Quarantine("(dry run: not written)", 0);
            }

            @Override
            public void publish() {
                out.println("dry run: would publish " + target);
            }
        };
    }

    @Override
    public long replacePartition(String table, String partitionColumns, java.util.List<String> values, Dataset<Row> rows) {
        out.println("dry run: would replace partition (" + partitionColumns + ") = " + values + " of table " + table
                + " with columns " + rows.schema().toDDL() + (spark.catalog().tableExists(table) ? "" : " (new table)"));
        out.println("dry run: Spark plan of the rows to write:");
        out.println(plan(rows));
        return 0;
    }

    @Override
    public void deletePartitionsBefore(String table, String dateColumn, java.time.LocalDate keepFrom) {
        out.println("dry run: would delete the partitions of " + table + " with " + dateColumn + " before " + keepFrom);
    }

    @Override
    public Replaced replaceWithCsv(String table, Dataset<Row> rows, String key, java.util.Map<String, String> facts) {
        out.println("dry run: would replace table " + table + " with a CSV copy, columns " + rows.schema().toDDL());
        out.println("dry run: Spark plan of the rows to write:");
        out.println(plan(rows));
        return new Replaced(0, "(dry run: not written)", Difference.NOT_COMPARED);
    }

    /** A dry run writes nothing, so the DSL skips the counts that only its report needs. */
    @Override
    public boolean writes() {
        return false;
    }

    @Override
    public void replaceTable(String table, Dataset<Row> rows, String... partitionColumns) {
        out.println("dry run: would replace table " + PartitionTables.outputTable(table)
                + (partitionColumns.length == 0 ? "" : " partitioned by " + String.join(", ", partitionColumns)) + " with columns " + rows.schema().toDDL());
    }

    /** Prints what the publication would write (and the Spark plan of its rows); stages nothing. */
    @Override
    public <S> void publish(Publication<S> publication) {
        out.println("dry run: would " + publication.plan());
        publication.rows().ifPresent(rows -> {
            out.println("dry run: Spark plan of the rows to write:");
            out.println(plan(rows));
        });
    }

    /** Lists what would go, with the same rules as a real run, and changes nothing (it does not compact). */
    @Override
    public Maintenance maintain(String table, Retention retention) {
        Maintenance would = new TableMaintenance(spark, org.apache.logging.log4j.LogManager.getLogger("dev.kindling.run"))
                .maintain(PartitionTables.outputTable(table).toString(), retention, true);
        out.println(TableMaintenance.describe(would, true));
        return would;
    }

    @Override
    public void close() {
        // nothing was written
    }

    private String plan(Dataset<Row> rows) {
        String view = "kindling_dry_run_" + Long.toUnsignedString(System.nanoTime());
        rows.createOrReplaceTempView(view);
        try {
            return spark.sql("EXPLAIN FORMATTED SELECT * FROM " + view).collectAsList().get(0).getString(0);
        } finally {
            spark.catalog().dropTempView(view);
        }
    }
}
