package dev.kindling.audience;

import java.time.Duration;

import dev.kindling.dsl.WarmUp;
import org.apache.spark.sql.SparkSession;

/**
 * The warm-up of a shared Spark Connect server that has just started (bin/connect-server starts it beside
 * the server): a thin client of it, like an analyst's shell, that asks the env's marketplace representative
 * audiences for a while ({@link WarmUp}), so that the server's JVM and its executor have compiled what
 * analysts' questions take before the first analyst asks one. Prints one line; exits 0 whatever the data
 * (a warm-up that could not run costs only speed), 2 for wrong arguments.
 *
 * <pre>java -cp kindling-jobs.jar:&lt;Connect's JVM client&gt; dev.kindling.audience.ConnectWarmUp sc://host:port env seconds</pre>
 */
public final class ConnectWarmUp {

    private ConnectWarmUp() {
    }

    public static void main(String[] args) {
        if (args.length != 3 || !args[0].startsWith("sc://") || !args[2].matches("[1-9][0-9]{0,5}")) {
            System.err.println("usage: ConnectWarmUp sc://host:port <env> <seconds, 1 to 999999>");
            System.exit(2);
        }
        SparkSession spark = MarketplaceSettings.connect(args[0]);
        try {
            WarmUp.Result result = WarmUp.run(MarketplaceSettings.use(spark, args[1]), Duration.ofSeconds(Long.parseLong(args[2])));
            System.out.println("connect-server warm-up: " + result);
        } finally {
            spark.stop(); // ends this session on the server
        }
    }
}
