package dev.kindling.dsl;

import java.util.Objects;
import java.util.regex.Pattern;

import dev.kindling.dsl.publish.Difference;

/**
 * A written mailing list, the export's report: its Hive table, how many users it has, how many users of
 * the audience were left out because they are on the suppression list, how it differs from the previous
 * list of the same name (user ids added and removed), the folder of its CSV file, and how many users a
 * holdout kept out of it (in table {@code <table>_holdout}; 0 without a holdout).
 */
public record MailingList(String table, long users, long suppressed, Difference sinceLastList, String csvFolder, long heldOut) {

    public MailingList {
        Objects.requireNonNull(sinceLastList, "sinceLastList");
    }

    /** A list written without a holdout. */
    public MailingList(String table, long users, long suppressed, Difference sinceLastList, String csvFolder) {
        this(table, users, suppressed, sinceLastList, csvFolder, 0);
    }

    /** The holdout of list {@code <name>} is table {@code <name>_holdout}. */
    static final String HOLDOUT_SUFFIX = "_holdout";

    // words joined by single '_': as the message says
    private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9]*(_[A-Za-z0-9]+)*");

    /** Fails unless name can name a mailing list's table. */
    public static void checkName(String name) {
        if (name == null || name.length() > 100 || !NAME.matcher(name).matches()) {
            throw new AudienceException("prepareForMailing: 'name' \"" + name + "\" cannot be a table name; use letters and digits, starting with a letter,"
                    + " words joined by single '_', at most 100 characters, e.g. \"sports_sellers_near_torun\"");
        }
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        if (lower.equals(Tables.MAILING_HISTORY) || lower.endsWith(HOLDOUT_SUFFIX)) {
            throw new AudienceException("prepareForMailing: 'name' \"" + name + "\" is reserved: " + Tables.MAILING_HISTORY
                    + " is the mailing history and names ending in " + HOLDOUT_SUFFIX + " hold a list's holdout; choose another name");
        }
    }

    @Override
    public String toString() {
        return "mailing list " + table + ": " + users + (users == 1 ? " user" : " users") + " (" + suppressed + " suppressed); "
                + sinceLastList + "; CSV in " + csvFolder + (heldOut > 0 ? "; " + heldOut + " held out in " + table + HOLDOUT_SUFFIX : "");
    }
}
