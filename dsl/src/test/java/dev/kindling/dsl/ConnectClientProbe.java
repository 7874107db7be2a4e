package dev.kindling.dsl;

import org.apache.spark.sql.SparkSession;

/**
 * Runs an audience through a Spark Connect client session, as a thin notebook client would with the
 * driver on the cluster: started by it/audience/test_spark_connect.py against a Spark Connect
 * server on the demo marketplace. Arguments: the server's sc:// URL, an audience definition, a
 * mailing name.
 */
public final class ConnectClientProbe {

    public static void main(String[] args) {
        SparkSession spark = SparkSession.builder().config("spark.api.mode", "connect").remote(args[0]).getOrCreate();
        Marketplace marketplace = Audiences.use(spark, Tables.demo());
        MailableAudience audience = marketplace.parseForMailing(args[1]);
        System.out.println("session " + spark.getClass().getName());
        System.out.println("count " + audience.count());
        System.out.println(audience.prepareForMailing(args[2]));
        // mistakes read as they do locally: one checked against the marketplace's categories, one by the step alone
        try {
            marketplace.users().soldAtLeast(4, "Sprots", Audiences.between("2017-01-01", "2017-01-20"));
        } catch (AudienceException e) {
            System.out.println("mistake: " + e.getMessage() + " (" + e.getStackTrace().length + " frames)");
        }
        try {
            marketplace.users().livingNear("87-100", -5);
        } catch (AudienceException e) {
            System.out.println("mistake: " + e.getMessage() + " (" + e.getStackTrace().length + " frames)");
        }
        // a suppression list that is not there stops the export as locally (MailingTest), writing nothing
        try {
            new Marketplace(spark, Tables.demo().withSuppressions("marketplace.no_such_list")).users().withPermissionToMailing().prepareForMailing(args[2] + "_unguarded");
        } catch (AudienceException e) {
            System.out.println("unguarded: " + e.getMessage());
        }
        spark.stop();
    }
}
