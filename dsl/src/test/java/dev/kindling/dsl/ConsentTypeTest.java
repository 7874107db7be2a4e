package dev.kindling.dsl;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;

import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The consent rule is checked by the Java compiler: analyst code is compiled here, as the shell and
 * the notebook compile it, and prepareForMailing compiles only on an audience that guarantees consent.
 * Nothing is run, so no Spark is needed.
 */
class ConsentTypeTest {

    @TempDir
    static Path classes;

    private static final String SPORTS = "soldAtLeast(4, \"Sports\", between(\"2017-01-01\", \"2017-01-20\"))";

    /** The compiler's errors for a method body that uses the DSL; empty when it compiles. */
    private static List<String> compileErrors(String body) {
        String source = """
                import static dev.kindling.dsl.Audiences.*;
                import dev.kindling.dsl.*;
                class Analyst {
                    void run() {
                        MailableAudience consenting = users().withPermissionToMailing();
                        Audience anyone = users().livingNear("87-100", 10);
                        %s;
                    }
                }
                """.formatted(body);
        JavaFileObject file = new SimpleJavaFileObject(URI.create("string:///Analyst.java"), JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return source;
            }
        };
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        boolean compiled = compiler.getTask(new StringWriter(), null, diagnostics,
                List.of("-proc:none", "-d", classes.toString(), "-classpath", System.getProperty("java.class.path")), null, List.of(file)).call();
        List<String> errors = diagnostics.getDiagnostics().stream().map(d -> d.getMessage(null)).toList();
        assertThat(errors.isEmpty()).as("compiled %s, errors %s", compiled, errors).isEqualTo(compiled);
        return errors;
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "users().withPermissionToMailing()." + SPORTS + ".livingNear(\"87-100\", 10).prepareForMailing(\"x\")",
        "users()." + SPORTS + ".withPermissionToMailing().prepareForMailing(\"x\")",
        "consenting.and(anyone).prepareForMailing(\"x\")",
        "anyone.and(consenting).prepareForMailing(\"x\")",
        "consenting.or(users().withPermissionToMailing()." + SPORTS + ").prepareForMailing(\"x\")",
        "consenting.except(anyone).prepareForMailing(\"x\")",
        "consenting.except(consenting).registeredBetween(lastDays(30)).prepareForMailing(\"x\")",
        "consenting.excluding(anyone).prepareForMailing(\"x\")",
        "users().withPermissionToMailing().notBoughtIn(\"Sports\", lastDays(30)).boughtAtMost(2, \"Sports\", lastDays(30))"
            + ".lastBoughtBefore(\"2017-01-01\").spentAtLeast(100, \"Sports\", lastDays(365)).prepareForMailing(\"x\")",
        "anyone.and(consenting).excluding(anyone).spentAtLeast(5, \"Phones\", lastDays(7)).prepareForMailing(\"x\")",
        "consenting.notMailedInLast(30).prepareForMailing(\"x\")",
        "consenting.notMailedInLast(30).holdout(10, \"spring\").prepareForMailing(\"x\")",
    })
    void aConsentingAudienceCanBePreparedForMailing(String code) {
        assertThat(compileErrors(code)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "users()." + SPORTS + ".prepareForMailing(\"x\")",
        "users().prepareForMailing(\"x\")",
        "consenting.or(anyone).prepareForMailing(\"x\")",
        "anyone.or(consenting).prepareForMailing(\"x\")",
        "anyone.except(consenting).prepareForMailing(\"x\")",
        "anyone.and(anyone).prepareForMailing(\"x\")",
        "anyone.excluding(consenting).prepareForMailing(\"x\")",
        "users().notBoughtIn(\"Sports\", lastDays(30)).lastBoughtBefore(\"2017-01-01\").prepareForMailing(\"x\")",
        "users().boughtAtMost(0, \"Sports\", lastDays(30)).spentAtLeast(1, \"Sports\", lastDays(30)).prepareForMailing(\"x\")",
    })
    void anAudienceWithoutConsentHasNoPrepareForMailing(String code) {
        assertThat(compileErrors(code)).singleElement().asString()
                .contains("cannot find symbol", "method prepareForMailing(java.lang.String)", "class dev.kindling.dsl.Audience");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "anyone.holdout(10, \"spring\")",
        "users().notMailedInLast(30).holdout(10, \"spring\")",
    })
    void onlyAConsentingAudienceHasAHoldout(String code) {
        assertThat(compileErrors(code)).singleElement().asString()
                .contains("cannot find symbol", "method holdout(int,java.lang.String)", "dev.kindling.dsl.Audience");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "consenting.holdout(10, \"spring\").soldAtLeast(4, \"Sports\", lastDays(30))",
        "consenting.holdout(10, \"spring\").holdout(10, \"again\")",
        "consenting.holdout(10, \"spring\").toDataset()",
    })
    void aHoldoutEndsTheSentence(String code) {
        assertThat(compileErrors(code)).singleElement().asString()
                .contains("cannot find symbol", "class dev.kindling.dsl.AudienceWithHoldout");
    }
}
