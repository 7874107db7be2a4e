package dev.kindling.dsl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.SourceCodeAnalysis.Documentation;
import jdk.jshell.SourceCodeAnalysis.Suggestion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What JShell's tab completion offers after the startup's import: the fluent steps, and their
 * signatures with parameter names (the DSL is compiled with -parameters). Asked of JShell's own
 * source analysis, as bin/audience-shell's completion does; nothing is executed.
 */
class ShellCompletionTest {

    private static JShell shell;

    @BeforeAll
    static void openShell() {
        shell = JShell.builder().executionEngine("local").build();
        shell.addToClasspath(System.getProperty("java.class.path"));
        shell.eval("import static dev.kindling.dsl.Audiences.*;");
    }

    @AfterAll
    static void closeShell() {
        shell.close();
    }

    private static List<String> completions(String code) {
        return shell.sourceCodeAnalysis().completionSuggestions(code, code.length(), new int[1]).stream()
                .map(Suggestion::continuation).toList();
    }

    private static List<String> signatures(String code) {
        SourceCodeAnalysis analysis = shell.sourceCodeAnalysis();
        return analysis.documentation(code, code.length(), false).stream().map(Documentation::signature).toList();
    }

    @Test
    void tabOffersTheStepsAfterUsers() {
        assertThat(completions("users().")).contains("withPermissionToMailing()", "soldAtLeast(", "boughtAtLeast(", "livingNear(",
                "registeredBetween(", "and(", "or(", "except(", "count()", "by(", "show(", "explain()",
                "notBoughtIn(", "boughtAtMost(", "lastBoughtBefore(", "spentAtLeast(", "excluding(");
        assertThat(completions("users().bought")).containsExactlyInAnyOrder("boughtAtLeast(", "boughtAtMost(");
        // every step of the DSL, found by reflection, so that a new one cannot be left out here
        for (String step : StepListTest.steps()) {
            assertThat(completions("users()." + step)).as(step).anyMatch(completion -> completion.startsWith(step + "("));
        }
        assertThat(completions("users().sold")).containsExactly("soldAtLeast(");
        assertThat(completions("users().withPermissionToMailing().")).contains("by(", "prepareForMailing(");
    }

    @Test
    void tabOffersPrepareForMailingOnlyWhereEveryUserAgreed() {
        String sports = "soldAtLeast(4, \"Sports\", between(\"2017-01-01\", \"2017-01-20\"))";
        assertThat(completions("users().")).doesNotContain("prepareForMailing(");
        assertThat(completions("users()." + sports + ".")).doesNotContain("prepareForMailing(");
        assertThat(completions("users().withPermissionToMailing().or(users()." + sports + ").")).doesNotContain("prepareForMailing(");
        assertThat(completions("users().withPermissionToMailing()." + sports + ".")).contains("prepareForMailing(");
        assertThat(completions("users()." + sports + ".withPermissionToMailing().livingNear(\"87-100\", 10).prep")).containsOnly("prepareForMailing("); // with and without a writer
        assertThat(completions("users().livingNear(\"87-100\", 10).and(users().withPermissionToMailing()).")).contains("prepareForMailing(");
        String buying = "notBoughtIn(\"Sports\", lastDays(30)).boughtAtMost(1, \"Sports\", lastDays(30)).lastBoughtBefore(\"2017-01-01\")"
                + ".spentAtLeast(10, \"Sports\", lastDays(30))";
        assertThat(completions("users().withPermissionToMailing()." + buying + ".excluding(users()).")).contains("prepareForMailing(");
        assertThat(completions("users()." + buying + ".")).doesNotContain("prepareForMailing(");
        assertThat(completions("users().excluding(users().withPermissionToMailing()).")).doesNotContain("prepareForMailing(");
    }

    @Test
    void notMailedInLastIsAStepAndHoldoutOnlyFollowsAConsentingAudience() {
        assertThat(completions("users().")).contains("notMailedInLast(").doesNotContain("holdout(");
        assertThat(completions("users().withPermissionToMailing().notMailedInLast(30).")).contains("holdout(", "prepareForMailing(", "soldAtLeast(");
        assertThat(completions("users().livingNear(\"87-100\", 10).notMailedInLast(30).")).doesNotContain("holdout(", "prepareForMailing(");
    }

    @Test
    void afterHoldoutOnlyPreparingCountingAndDescribingAreOffered() {
        List<String> next = completions("users().withPermissionToMailing().holdout(10, \"spring\").");
        assertThat(next).contains("prepareForMailing(", "count()", "describe()")
                .doesNotContain("soldAtLeast(", "livingNear(", "notMailedInLast(", "withPermissionToMailing()", "and(", "or(", "except(", "holdout(", "toDataset()");
        assertThat(signatures("users().withPermissionToMailing().holdout(")).containsExactly(
                "dev.kindling.dsl.AudienceWithHoldout dev.kindling.dsl.MailableAudience.holdout(double percent, String salt)");
    }

    @Test
    void typingPrepareForMailingWithoutConsentIsRejected() {
        // as the shell and the notebook's kernel evaluate a line; the snippet is rejected before it runs
        SnippetEvent rejected = shell.eval("users().livingNear(\"87-100\", 10).prepareForMailing(\"near_torun\");").get(0);
        assertThat(rejected.status()).isEqualTo(Snippet.Status.REJECTED);
        assertThat(shell.diagnostics(rejected.snippet()).map(d -> d.getMessage(null)))
                .singleElement().asString().contains("cannot find symbol", "prepareForMailing");
        // the consenting line compiles (declared in a method so that nothing runs)
        SnippetEvent accepted = shell.eval("void mail() { users().withPermissionToMailing().livingNear(\"87-100\", 10).prepareForMailing(\"near_torun\"); }").get(0);
        assertThat(accepted.status()).isEqualTo(Snippet.Status.VALID);
    }

    @Test
    void signaturesShowParameterNames() {
        assertThat(signatures("users().soldAtLeast(")).containsExactly("dev.kindling.dsl.Audience dev.kindling.dsl.Audience.soldAtLeast(int n, String category, dev.kindling.dsl.Period period)");
        assertThat(signatures("users().livingNear(")).containsExactly("dev.kindling.dsl.Audience dev.kindling.dsl.Audience.livingNear(String postalCode, double radiusKm)");
        assertThat(signatures("users().by(")).containsExactly("dev.kindling.dsl.Breakdown dev.kindling.dsl.Audience.by(String dimension)");
        assertThat(signatures("users().spentAtLeast(")).containsExactly("dev.kindling.dsl.Audience dev.kindling.dsl.Audience.spentAtLeast(double amount, String category, dev.kindling.dsl.Period period)");
        assertThat(signatures("users().withPermissionToMailing().lastBoughtBefore(")).containsExactly("dev.kindling.dsl.MailableAudience dev.kindling.dsl.MailableAudience.lastBoughtBefore(String date)");
        assertThat(signatures("between(")).containsExactly("dev.kindling.dsl.Period dev.kindling.dsl.Audiences.between(String from, String to)");
    }
}
