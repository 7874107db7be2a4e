package dev.kindling.dsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The steps are written in several places: Audience's methods, the parser, its "the steps are ..."
 * message, HELP, MailableAudience's overrides (and ShellCompletionTest, which asks {@link #steps()}).
 * Every public method of Audience that returns an audience is a step, so a new one that is missing
 * in any of them fails here. Needs no Spark.
 */
class StepListTest {

    /** Audience's public instance methods that return an audience. */
    private static List<Method> stepMethods() {
        return Arrays.stream(Audience.class.getDeclaredMethods())
                .filter(method -> Modifier.isPublic(method.getModifiers()) && !Modifier.isStatic(method.getModifiers()))
                .filter(method -> Audience.class.isAssignableFrom(method.getReturnType()))
                .toList();
    }

    /** The steps' names, sorted. */
    static List<String> steps() {
        return stepMethods().stream().map(Method::getName).distinct().sorted().toList();
    }

    @Test
    void theStepsAreTheOnesThisTestKnows() {
        // a guard that the reflection finds steps at all; update it with a new step
        assertThat(steps()).containsExactlyInAnyOrder("withPermissionToMailing", "soldAtLeast", "boughtAtLeast", "boughtAtMost",
                "notBoughtIn", "lastBoughtBefore", "spentAtLeast", "livingNear", "registeredBetween", "notMailedInLast", "and", "or", "except",
                "excluding");
    }

    @Test
    void theParsersListOfStepsIsExactlyTheSteps() {
        String message = catchThrowable(() -> AudienceDefinition.parse("users().noSuchStep()")).getMessage();
        assertThat(message).startsWith("line 1, column 9: 'noSuchStep' is not a step; the steps are ");
        // holdout ends a sentence (its own type, not an Audience step), so the message names it last
        assertThat(message).endsWith(", and last holdout");
        String list = message.substring(message.indexOf("the steps are ") + "the steps are ".length(), message.length() - ", and last holdout".length());
        assertThat(List.of(list.split(", "))).containsExactlyInAnyOrderElementsOf(steps());
    }

    @Test
    void theParserReadsEveryStep() {
        for (String step : steps()) {
            // without arguments, each step fails on them (or is complete): never as an unknown word
            Throwable failure = catchThrowable(() -> AudienceDefinition.parse("users()." + step + "()"));
            if (failure != null) {
                assertThat(failure).as(step).isInstanceOf(AudienceException.class);
                assertThat(failure.getMessage()).as(step).doesNotContain("is not a step");
            }
        }
    }

    @Test
    void helpShowsEveryStep() {
        for (String step : steps()) {
            assertThat(Audiences.HELP).as(step).contains("." + step + "(");
        }
        assertThat(Audiences.HELP).contains(".holdout(percent, salt)");
    }

    @Test
    void helpSaysWhoNeverBoughtIsInTheAbsenceStepsButNotAmongLapsedBuyers() {
        List<String> lines = Audiences.HELP.lines().toList();
        for (String step : List.of(".boughtAtMost(", ".notBoughtIn(", ".lastBoughtBefore(")) {
            int line = lines.indexOf(lines.stream().filter(text -> text.contains(step)).findFirst().orElseThrow());
            assertThat(lines.get(line + 1)).as(step).contains(step.equals(".lastBoughtBefore(") ? "never bought are NOT included" : "bought are included");
        }
    }

    @Test
    void everyStepThatOnlyRemovesUsersKeepsAMailableAudienceMailable() {
        // or is the one step that can bring in users without consent: it keeps the type only with a mailable audience
        for (Method method : stepMethods()) {
            if (!method.getName().equals("or")) {
                Method kept = findOn(MailableAudience.class, method);
                assertThat(kept.getReturnType()).as(kept.toString()).isEqualTo(MailableAudience.class);
            }
        }
    }

    private static Method findOn(Class<?> type, Method method) {
        try {
            return type.getMethod(method.getName(), method.getParameterTypes());
        } catch (NoSuchMethodException e) {
            throw new AssertionError(e);
        }
    }
}
