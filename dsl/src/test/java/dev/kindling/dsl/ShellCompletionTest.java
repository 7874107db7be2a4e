package dev.kindling.dsl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import jdk.jshell.JShell;
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
                "registeredBetween(", "and(", "or(", "except(", "count()", "show(", "explain()", "prepareForMailing(");
        assertThat(completions("users().sold")).containsExactly("soldAtLeast(");
    }

    @Test
    void signaturesShowParameterNames() {
        assertThat(signatures("users().soldAtLeast(")).containsExactly("dev.kindling.dsl.Audience dev.kindling.dsl.Audience.soldAtLeast(int n, String category, dev.kindling.dsl.Period period)");
        assertThat(signatures("users().livingNear(")).containsExactly("dev.kindling.dsl.Audience dev.kindling.dsl.Audience.livingNear(String postalCode, double radiusKm)");
        assertThat(signatures("between(")).containsExactly("dev.kindling.dsl.Period dev.kindling.dsl.Audiences.between(String from, String to)");
    }
}
