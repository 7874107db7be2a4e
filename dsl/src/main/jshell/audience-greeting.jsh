// Last startup of bin/audience-shell, after the session's (audience-startup.jsh or audience-remote-startup.jsh).
System.out.println("Kindling audiences on " + where + ": users in " + marketplace.tables().users()
        + ", mailing lists go to database " + marketplace.tables().mailingDatabase() + ". Type help() for the steps, /exit to leave.");
if (!spark.catalog().tableExists(marketplace.tables().users())) {
    System.out.println("There is no table " + marketplace.tables().users() + " yet: fill it with bin/kindling demo-data --logical-date 2017-01-01");
}
