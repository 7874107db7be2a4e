package dev.kindling.template;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One declared setting: its key, the values it accepts, its built-in default and a line of doc. The
 * declarations in {@link Settings} are the single source for validation, the README's settings table
 * and {@code kindling spec --json}.
 *
 * @param defaultValue the built-in default; null for spark.* keys, whose default is Spark's own
 */
public record Setting(String key, SettingType type, String defaultValue, String doc) {

    public static Setting kindling(String key, SettingType type, String defaultValue, String doc) {
        return new Setting(key, type, defaultValue, doc);
    }

    public static Setting spark(String key, SettingType type, String doc) {
        return new Setting(key, type, null, doc);
    }

    /** Fails with one line naming the key, the value, where it came from and what is allowed. */
    void check(String value, String source) {
        if (!type.accepts(value)) {
            throw new InvalidInputException("setting " + key + " is '" + UrlSecrets.masked(value) + "' (from " + source + "): expected " + type.allowed());
        }
    }

    Map<String, Object> describe() {
        Map<String, Object> described = new LinkedHashMap<>();
        described.put("key", key);
        described.putAll(type.describe());
        if (defaultValue != null) {
            described.put("default", defaultValue);
            described.put("environment_variable", Settings.environmentVariable(key));
        }
        described.put("doc", doc);
        return described;
    }
}
