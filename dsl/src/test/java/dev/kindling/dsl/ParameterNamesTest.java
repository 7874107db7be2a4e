package dev.kindling.dsl;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Parameter;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

/** JShell's tab completion shows parameter names only when the DSL is compiled with -parameters. */
class ParameterNamesTest {

    private static String[] names(String method, Class<?>... types) throws NoSuchMethodException {
        return Arrays.stream(Audience.class.getMethod(method, types).getParameters()).map(Parameter::getName).toArray(String[]::new);
    }

    @Test
    void stepsKeepTheirParameterNames() throws NoSuchMethodException {
        assertThat(names("soldAtLeast", int.class, String.class, Period.class)).containsExactly("n", "category", "period");
        assertThat(names("boughtAtLeast", int.class, String.class, Period.class)).containsExactly("n", "category", "period");
        assertThat(names("livingNear", String.class, double.class)).containsExactly("postalCode", "radiusKm");
        assertThat(names("prepareForMailing", String.class)).containsExactly("name");
        assertThat(Arrays.stream(Audiences.class.getMethod("between", String.class, String.class).getParameters()).map(Parameter::getName))
                .containsExactly("from", "to");
    }
}
