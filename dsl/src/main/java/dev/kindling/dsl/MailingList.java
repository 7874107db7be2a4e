package dev.kindling.dsl;

import java.util.regex.Pattern;

/** A written mailing list: its Hive table, how many users it has, and the folder of its CSV file. */
public record MailingList(String table, long users, String csvFolder) {

    // No "__": MailingExport's version tables are <name>__v<millis>.
    private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9]*(_[A-Za-z0-9]+)*");

    /** Fails unless name can name a mailing list's table. */
    public static void checkName(String name) {
        if (name == null || name.length() > 100 || !NAME.matcher(name).matches()) {
            throw new AudienceException("prepareForMailing: 'name' \"" + name + "\" cannot be a table name; use letters and digits, starting with a letter,"
                    + " words joined by single '_', at most 100 characters, e.g. \"sports_sellers_near_torun\"");
        }
    }

    @Override
    public String toString() {
        return "mailing list " + table + ": " + users + (users == 1 ? " user" : " users") + "; CSV in " + csvFolder;
    }
}
