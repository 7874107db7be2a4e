package dev.kindling.audience;

import java.util.List;

import dev.kindling.dsl.AudienceException;
import dev.kindling.dsl.Audiences;
import dev.kindling.dsl.Marketplace;
import dev.kindling.dsl.Tables;
import dev.kindling.template.InvalidInputException;
import dev.kindling.template.Settings;
import dev.kindling.template.SparkSessionProvider;
import org.apache.spark.sql.SparkSession;

/**
 * Where an env keeps the marketplace: settings marketplace.database (users, transactions,
 * categories, postal_codes), mailing.database (the mailing lists) and marketplace.suppressions.table
 * (the standing suppression list, by default in marketplace.database).
 */
public final class MarketplaceSettings {

    private MarketplaceSettings() {
    }

    /** The env's table names; a name that is not an identifier is bad usage (exit 2). */
    public static Tables tables(Settings settings) {
        try {
            return Tables.in(settings.get("marketplace.database"), settings.get("mailing.database"))
                    .withSuppressions(settings.get("marketplace.suppressions.table"));
        } catch (AudienceException e) {
            throw new InvalidInputException("settings marketplace.database '" + settings.get("marketplace.database") + "' and mailing.database '"
                    + settings.get("mailing.database") + "' must be database names (letters, digits, '_'), marketplace.suppressions.table '"
                    + settings.get("marketplace.suppressions.table") + "' a table name");
        }
    }

    /**
     * For JShell and notebooks: opens a session on the env's profile (KINDLING_* variables and extra
     * key=value settings apply, as for jobs) and makes it the marketplace of {@code users()}.
     */
    public static Marketplace open(String env, String... settings) {
        Settings resolved = Settings.resolve(env, List.of(settings), System.getenv());
        return Audiences.use(SparkSessionProvider.interactive(env, settings), tables(resolved));
    }

    /**
     * For thin clients (bin/audience-shell --remote, a notebook's first cell): makes a session the caller
     * opened, a Spark Connect session of a shared server, the marketplace of {@code users()}, the env's
     * settings naming the tables. The client process holds no Spark driver; the server runs the plans.
     */
    public static Marketplace use(SparkSession spark, String env, String... settings) {
        return Audiences.use(spark, tables(Settings.resolve(env, List.of(settings), System.getenv())));
    }
}
