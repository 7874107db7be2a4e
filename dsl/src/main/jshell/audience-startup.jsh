// Startup of bin/audience-shell (runs after JShell's DEFAULT startup, which keeps the usual imports).
// Opens a SparkSession on $KINDLING_ENV (default: local, the embedded demo data under $KINDLING_WORK_DIR)
// and makes it the marketplace of users(), so audiences can be typed as they are written in the README.
import static dev.kindling.dsl.Audiences.*;
import dev.kindling.dsl.*;

var marketplace = dev.kindling.audience.MarketplaceSettings.open(System.getenv().getOrDefault("KINDLING_ENV", "local"));
var spark = marketplace.spark();
System.out.println("Kindling audiences on env " + System.getenv().getOrDefault("KINDLING_ENV", "local") + ": users in " + marketplace.tables().users()
        + ", mailing lists go to database " + marketplace.tables().mailingDatabase() + ". Type help() for the steps, /exit to leave.");
if (!spark.catalog().tableExists(marketplace.tables().users())) {
    System.out.println("There is no table " + marketplace.tables().users() + " yet: fill it with bin/kindling demo-data --logical-date 2017-01-01");
}
