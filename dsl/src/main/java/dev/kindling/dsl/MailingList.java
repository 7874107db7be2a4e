package dev.kindling.dsl;

/** A written mailing list: its Hive table, how many users it has, and the folder of its CSV file. */
public record MailingList(String table, long users, String csvFolder) {

    @Override
    public String toString() {
        return "mailing list " + table + ": " + users + (users == 1 ? " user" : " users") + "; CSV in " + csvFolder;
    }
}
