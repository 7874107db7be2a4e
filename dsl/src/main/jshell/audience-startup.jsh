// Startup of bin/audience-shell (runs after JShell's DEFAULT startup, which keeps the usual imports).
// Opens a SparkSession on $KINDLING_ENV (default: local, the embedded demo data under $KINDLING_WORK_DIR)
// and makes it the marketplace of users(), so audiences can be typed as the README writes them.
import static dev.kindling.dsl.Audiences.*;
import dev.kindling.dsl.*;

var env = System.getenv().getOrDefault("KINDLING_ENV", "local");
var marketplace = dev.kindling.audience.MarketplaceSettings.open(env);
var spark = marketplace.spark();
var where = "env " + env;
