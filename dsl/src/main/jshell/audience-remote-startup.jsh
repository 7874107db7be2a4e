// Startup of bin/audience-shell --remote sc://host:port (after JShell's DEFAULT startup): a Spark Connect
// session of the shared server ($KINDLING_REMOTE), whose tables $KINDLING_ENV's settings name, made the
// marketplace of users(). This JVM holds the Connect client only, no Spark driver.
import static dev.kindling.dsl.Audiences.*;
import dev.kindling.dsl.*;

var env = System.getenv().getOrDefault("KINDLING_ENV", "local");
var spark = org.apache.spark.sql.connect.SparkSession.builder().remote(System.getenv("KINDLING_REMOTE")).getOrCreate();
var marketplace = dev.kindling.audience.MarketplaceSettings.use(spark, env);
var where = System.getenv("KINDLING_REMOTE");
