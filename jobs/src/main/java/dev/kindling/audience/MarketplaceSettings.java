package dev.kindling.audience;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
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
                    .withSuppressions(settings.get("marketplace.suppressions.table"))
                    .withSuppressionsMaxLossPercent(Integer.parseInt(settings.get("marketplace.suppressions.max.loss.percent")));
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

    /** The environment variable that makes a notebook's kernel a thin client of a shared Spark Connect server. */
    public static final String CONNECT_URL = "KINDLING_CONNECT_URL";

    /**
     * For a notebook's first cell, the same on either kernel: on one started with KINDLING_CONNECT_URL=sc://host:port
     * (notebooks/with-kernel-env then gives the kernel Connect's client instead of Spark), a Spark Connect session of
     * that shared server ({@link #use}); otherwise a session in the kernel's own JVM ({@link #open}).
     */
    public static Marketplace openForNotebook(String env, String... settings) {
        String url = System.getenv(CONNECT_URL);
        if (url == null || url.isBlank()) {
            return open(env, settings);
        }
        return use(connect(url.trim()), env, settings);
    }

    /**
     * A session of Connect's own client class, looked up at run time: Spark 4.1's API builder
     * ({@code SparkSession.builder().remote(url)}) loads SparkContext, which a thin kernel does not have, and
     * this jar is compiled against classic Spark, which has no Connect client to name. Method handles resolve
     * just the three methods (reflection's getMethod would load every type the client's methods mention).
     */
    static SparkSession connect(String url) {
        MethodHandles.Lookup lookup = MethodHandles.publicLookup();
        Object session;
        try {
            Class<?> client = Class.forName("org.apache.spark.sql.connect.SparkSession");
            Class<?> builder = Class.forName("org.apache.spark.sql.connect.SparkSession$Builder");
            Object building = lookup.findStatic(client, "builder", MethodType.methodType(builder)).invoke();
            building = lookup.findVirtual(builder, "remote", MethodType.methodType(builder, String.class)).invoke(building, url);
            session = lookup.findVirtual(builder, "getOrCreate", MethodType.methodType(SparkSession.class)).invoke(building);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(CONNECT_URL + " is set, but the kernel has no Spark Connect client: start it through notebooks/with-kernel-env", e);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException("could not open a Spark Connect session of " + url, e);
        }
        return (SparkSession) session;
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
