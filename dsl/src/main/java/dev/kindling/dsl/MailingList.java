package dev.kindling.dsl;

import java.util.Objects;
import java.util.regex.Pattern;

import dev.kindling.dsl.publish.Difference;

/**
 * A written mailing list, the export's report: its Hive table, how many users it has, how many users of
 * the audience were left out because they are on the suppression list, how it differs from the previous
 * list of the same name (user ids added and removed), and the folder of its CSV file.
 */
public record MailingList(String table, long users, long suppressed, Difference sinceLastList, String csvFolder) {

    public MailingList {
        Objects.requireNonNull(sinceLastList, "sinceLastList");
    }

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
        return "mailing list " + table + ": " + users + (users == 1 ? " user" : " users") + " (" + suppressed + " suppressed); "
                + sinceLastList + "; CSV in " + csvFolder;
    }
}
