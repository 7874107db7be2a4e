package dev.kindling.recommend;

import java.util.regex.Pattern;

import dev.kindling.template.InvalidInputException;

/** A model's name is a folder under models.dir: a safe path segment. */
final class ModelName {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");

    private ModelName() {
    }

    static void check(String option, String name) {
        if (!NAME.matcher(name).matches()) {
            throw new InvalidInputException(option + " '" + name + "' is not a model name: use 1 to 64 letters, digits, '_' and '-', starting with a letter or digit");
        }
    }
}
