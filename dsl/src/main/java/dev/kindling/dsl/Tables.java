package dev.kindling.dsl;

import java.util.regex.Pattern;

/**
 * Where the marketplace's Hive tables are, and the database that mailing lists are written to.
 * Every name is table or database.table; jobs and shells take them from the env's settings.
 * {@code suppressions} is the standing suppression list ({@code user_id BIGINT, reason STRING, since DATE}:
 * users who unsubscribed or asked to be forgotten), removed from every mailing list whatever the audience;
 * {@code suppressionsMaxLossPercent} how much of it may vanish between two mailings of a list before the
 * list is refused (a compliance job's overwrite gone wrong empties it; 100 turns the check off).
 */
public record Tables(String users, String transactions, String categories, String postalCodes, String mailingDatabase, String suppressions,
                     int suppressionsMaxLossPercent) {

    /** By default a list is refused when its suppression list lost more than 99 % of its users since its last mailing: emptied, or nearly. */
    public static final int SUPPRESSIONS_MAX_LOSS_PERCENT = 99;

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern TABLE = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*\\.)?[A-Za-z_][A-Za-z0-9_]*");

    // The columns the DSL reads. Transactions are partitioned by transaction_date.
    static final String USER_ID = "user_id";
    static final String FIRST_NAME = "first_name";
    static final String EMAIL = "email";
    static final String POSTAL_CODE = "postal_code";
    static final String MAILING_CONSENT = "mailing_consent";
    static final String REGISTERED_ON = "registered_on";
    static final String SELLER_ID = "seller_id";
    static final String BUYER_ID = "buyer_id";
    static final String CATEGORY_ID = "category_id";
    static final String TRANSACTION_DATE = "transaction_date";
    static final String AMOUNT = "amount";
    static final String CATEGORY_NAME = "name";
    static final String PARENT_ID = "parent_id";
    static final String LATITUDE = "latitude";
    static final String LONGITUDE = "longitude";
    static final String CITY = "city";
    // The mailing history (MailingExport writes it): who was on which list, on which day.
    static final String MAILING_HISTORY = "mailing_history";
    static final String MAILING = "mailing";
    static final String PREPARED_ON = "prepared_on";
    /**
     * How many days before a list's day the history keeps: as far back as notMailedInLast may look (a
     * fatigue rule longer than a year is not one). Older days are dropped, so the history stays bounded.
     */
    static final int MAILING_HISTORY_DAYS = 366;

    public Tables {
        check("users", users);
        check("transactions", transactions);
        check("categories", categories);
        check("postalCodes", postalCodes);
        check("suppressions", suppressions);
        if (suppressionsMaxLossPercent < 0 || suppressionsMaxLossPercent > 100) {
            throw new AudienceException("Tables: suppressionsMaxLossPercent " + suppressionsMaxLossPercent + " is not a percentage; use 0 to 100 (100: no check)");
        }
        if (mailingDatabase == null || !IDENTIFIER.matcher(mailingDatabase).matches()) {
            throw new AudienceException("Tables: mailingDatabase \"" + mailingDatabase + "\" is not a database name; use letters, digits and '_'");
        }
    }

    /**
     * The history of prepared mailing lists, {@code <mailingDatabase>.mailing_history}: one row per user
     * on a list ({@code user_id}), partitioned by {@code prepared_on} (the marketplace's day) and
     * {@code mailing} (the list's name). Created by the first prepareForMailing in the database.
     */
    public String mailingHistory() {
        return mailingDatabase + "." + MAILING_HISTORY;
    }

    /** The standard table names (users, transactions, categories, postal_codes, suppressions) in one database. */
    public static Tables in(String database, String mailingDatabase) {
        return new Tables(database + ".users", database + ".transactions", database + ".categories",
                database + ".postal_codes", mailingDatabase, database + ".suppressions", SUPPRESSIONS_MAX_LOSS_PERCENT);
    }

    /** These tables with the suppression list read from another table, e.g. one a compliance team keeps. */
    public Tables withSuppressions(String table) {
        return new Tables(users, transactions, categories, postalCodes, mailingDatabase, table, suppressionsMaxLossPercent);
    }

    /** These tables with another limit on how much of the suppression list may vanish between two mailings of a list (100: no check). */
    public Tables withSuppressionsMaxLossPercent(int percent) {
        return new Tables(users, transactions, categories, postalCodes, mailingDatabase, suppressions, percent);
    }

    /** The embedded demo: database marketplace, mailing lists in database mailings. */
    public static Tables demo() {
        return in("marketplace", "mailings");
    }

    private static void check(String parameter, String table) {
        if (table == null || !TABLE.matcher(table).matches()) {
            throw new AudienceException("Tables: " + parameter + " \"" + table + "\" is not a table name; use table or database.table with letters, digits and '_'");
        }
    }
}
