package dev.kindling.audience;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.kindling.dsl.AudienceDefinition;
import dev.kindling.dsl.AudienceException;
import dev.kindling.dsl.SuppressionListShrankException;
import dev.kindling.dsl.AudienceWithHoldout;
import dev.kindling.dsl.MailableAudience;
import dev.kindling.dsl.MailingList;
import dev.kindling.dsl.Marketplace;
import dev.kindling.dsl.publish.Difference;
import dev.kindling.template.DataQualityException;
import dev.kindling.template.InputUnavailableException;
import dev.kindling.template.InvalidInputException;
import dev.kindling.template.Job;
import dev.kindling.template.Preflight;
import dev.kindling.template.RunContext;
import dev.kindling.template.Writes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Runs a saved audience definition, the sentence an analyst typed in the shell, and writes it as a
 * mailing list, so a recurring list is scheduled from Airflow like any other job. The definition is
 * read by the DSL's own grammar: every value goes through the step's checks and is bound as a literal.
 */
@Command(name = "audience",
        description = "Write a mailing list (a Hive table in setting mailing.database, plus a CSV) from a saved audience definition,"
                + " e.g. users().withPermissionToMailing().livingNear(\"87-100\", 10), leaving out the users on the suppression list"
                + " (setting marketplace.suppressions.table).")
public final class AudienceJob implements Job {

    @Option(names = "--definition", required = true, paramLabel = "FILE",
            description = "A text file with the audience in the DSL, as typed in bin/audience-shell, without a terminal step; // starts a comment."
                    + " lastDays(n) is the n days ending on --logical-date.")
    Path definition;

    @Writes(Writes.Kind.MAILING)
    @Option(names = "--name", required = true, paramLabel = "MAILING",
            description = "The mailing list's name: its table in mailing.database; letters, digits and single '_'.")
    String name;

    private AudienceDefinition saved;

    @Override
    public void validate(Preflight preflight) {
        MarketplaceSettings.tables(preflight.settings());
        try {
            MailingList.checkName(name);
        } catch (AudienceException e) {
            throw new InvalidInputException("--name: " + e.getMessage());
        }
        String text;
        try {
            text = Files.readString(definition, StandardCharsets.UTF_8);
        } catch (java.nio.file.NoSuchFileException | java.nio.file.AccessDeniedException | java.nio.charset.MalformedInputException e) {
            throw new InvalidInputException("--definition '" + definition + "' cannot be read: " + e);
        } catch (IOException e) { // anything else may pass: a retry is worth it
            throw new InputUnavailableException("--definition '" + definition + "' cannot be read now: " + e);
        }
        if (text.isBlank()) {
            throw new InvalidInputException("--definition '" + definition + "' is empty; write an audience such as users().withPermissionToMailing()");
        }
        // grammar, size, values and consent are checked here, so a bad definition never starts Spark
        try {
            saved = AudienceDefinition.parse(text).requireConsent();
        } catch (AudienceException e) {
            throw new InvalidInputException("--definition '" + definition + "': " + e.getMessage());
        }
    }

    @Override
    public void run(RunContext context) {
        // lastDays(n) in a definition ends on the run's logical date, so a rerun of a date gives the same list
        Marketplace marketplace = new Marketplace(context.spark(), MarketplaceSettings.tables(context.settings()), context.logicalDate());
        try {
            // categories and postal codes are looked up now, with the marketplace's data
            if (saved.endsWithHoldout()) { // the list without the held-out users, and <name>_holdout beside it
                AudienceWithHoldout split = saved.withHoldoutOn(marketplace);
                context.log().info("writing mailing list {} and its holdout: {}", name, split.describe());
                context.log().info("{}", split.prepareForMailing(name, context.outputs()));
                return;
            }
            MailableAudience audience = saved.mailableOn(marketplace);
            context.log().info("writing mailing list {}: {}", name, audience.describe());
            MailingList list = audience.prepareForMailing(name, context.outputs());
            context.log().info("{}", list);
            if (list.sinceLastList().kind() != Difference.Kind.NOT_COMPARED) { // a dry run counted nothing
                context.metrics().set("users_suppressed", list.suppressed());
                context.metrics().set("users_added", list.sinceLastList().added());
                context.metrics().set("users_removed", list.sinceLastList().removed());
            }
        } catch (AudienceException e) {
            throw new InvalidInputException("--definition '" + definition + "': " + e.getMessage());
        } catch (SuppressionListShrankException e) {
            throw new DataQualityException(e.getMessage());
        }
    }
}
