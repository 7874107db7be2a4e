package dev.kindling.demodata;

import java.time.LocalDate;

import dev.kindling.audience.MarketplaceSettings;
import dev.kindling.template.Job;
import dev.kindling.template.OptionRanges;
import dev.kindling.template.Preflight;
import dev.kindling.template.RunContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Fills the marketplace database (setting marketplace.database) with synthetic data for the audience
 * DSL: from a few thousand users for a try-out to 1M users and 20M transactions for benchmarks,
 * and the suppression list that mailing lists leave out (setting marketplace.suppressions.table).
 * The five tables are replaced as a whole; this is demo data, not a production load.
 */
@Command(name = "demo-data",
        description = "Fill the marketplace database (setting marketplace.database) with a synthetic marketplace for the audience DSL:"
                + " Polish postal codes, a category tree, users and a year of transactions; and a suppression list (setting marketplace.suppressions.table).")
public final class DemoDataJob implements Job {

    @Option(names = "--users", defaultValue = "10000", paramLabel = "N",
            description = "How many users, 1 to 100000000. Default: ${DEFAULT-VALUE}.")
    long users;

    @Option(names = "--transactions", defaultValue = "200000", paramLabel = "N",
            description = "How many transactions over the year, 0 to 2000000000. Default: ${DEFAULT-VALUE}.")
    long transactions;

    @Option(names = "--first-day", defaultValue = "2017-01-01", paramLabel = "YYYY-MM-DD",
            description = "The first of the 365 days the transactions fall on. Default: ${DEFAULT-VALUE}.")
    LocalDate firstDay;

    @Option(names = "--postal-codes-per-city", defaultValue = "100", paramLabel = "N",
            description = "Postal codes around each of the 20 cities, 1 to 100. Default: ${DEFAULT-VALUE}.")
    int postalCodesPerCity;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "N",
            description = "The same seed and sizes give the same data. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Override
    public void checkOptions() {
        OptionRanges.requireWholeNumber("--users", users, 1, 100_000_000);
        OptionRanges.requireWholeNumber("--transactions", transactions, 0, 2_000_000_000);
        OptionRanges.requireWholeNumber("--postal-codes-per-city", postalCodesPerCity, 1, 100);
    }

    @Override
    public void validate(Preflight preflight) {
        MarketplaceSettings.tables(preflight.settings()); // the database name goes into SQL: it must be an identifier
    }

    @Override
    public void run(RunContext context) {
        String database = context.settings().get("marketplace.database");
        String suppressions = MarketplaceSettings.tables(context.settings()).suppressions();
        SyntheticMarketplace marketplace = new SyntheticMarketplace(context.spark(), seed);
        Dataset<Row> postalCodes = marketplace.postalCodes(postalCodesPerCity);
        Dataset<Row> userRows = marketplace.users(users, postalCodes, firstDay);
        Dataset<Row> transactionRows = marketplace.transactions(transactions, users, firstDay);
        context.outputs().replaceTable(database + ".categories", marketplace.categories());
        context.outputs().replaceTable(database + ".postal_codes", postalCodes);
        context.outputs().replaceTable(database + ".users", userRows);
        // one file per day: the partitions an audience step reads are few and compact
        context.outputs().replaceTable(database + ".transactions", transactionRows.repartition(transactionRows.col("transaction_date")), "transaction_date");
        context.outputs().replaceTable(suppressions, marketplace.suppressions(users, firstDay));
        context.log().info("demo marketplace in database {}: {} users, {} transactions from {} to {}, {} postal codes; suppression list {}",
                database, users, transactions, firstDay, firstDay.plusDays(SyntheticMarketplace.DAYS - 1), postalCodesPerCity * SyntheticMarketplace.CITIES.size(),
                suppressions);
    }
}
