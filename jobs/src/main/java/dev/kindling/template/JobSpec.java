package dev.kindling.template;

import java.lang.reflect.Field;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The machine-readable description of Kindling ({@code kindling spec --json}): every job and its
 * options (the option naming what a run writes says so: {@link Writes}), the exit codes with whether
 * Airflow retries each, and the declared settings. The Airflow operator, the DAG factory and checks and
 * the Grafana generator read it (airflow-dags/kindling-spec.json).
 */
final class JobSpec {

    private JobSpec() {
    }

    static String toJson(Collection<CommandSpec> jobs, Properties version) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("kindling", version.getProperty("version"));
        root.put("spark", version.getProperty("spark.version"));
        root.put("driver_java_options", version.getProperty("driver.java.options"));
        root.put("outcome_file_setting", RunOutcome.FILE_SETTING);
        List<Object> exitCodes = new ArrayList<>();
        for (ExitCode code : ExitCode.values()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("code", code.code);
            entry.put("name", code.name().toLowerCase(java.util.Locale.ROOT));
            entry.put("meaning", code.meaning);
            entry.put("retried", code.retried);
            exitCodes.add(entry);
        }
        root.put("exit_codes", exitCodes);
        List<Object> described = new ArrayList<>();
        for (CommandSpec job : jobs) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("name", job.name());
            entry.put("description", String.join(" ", job.usageMessage().description()));
            List<Object> options = new ArrayList<>();
            for (OptionSpec option : job.options()) {
                if (option.usageHelp() || option.versionHelp()) {
                    continue;
                }
                options.add(describe(option));
            }
            entry.put("options", options);
            described.add(entry);
        }
        root.put("jobs", described);
        root.put("settings", Settings.KINDLING_KEYS.stream().map(Setting::describe).toList());
        root.put("spark_settings", Settings.SPARK_KEYS.stream().map(Setting::describe).toList());
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Map<String, Object> describe(OptionSpec option) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("name", option.longestName());
        List<String> names = new ArrayList<>(List.of(option.names()));
        if (option.negatable()) { // picocli's default negated form: --header also answers to --no-header
            List.of(option.names()).forEach(name -> names.add(name.replaceFirst("^--", "--no-")));
        }
        o.put("names", names);
        Class<?> type = option.type();
        boolean repeatable = option.isMultiValue();
        if (repeatable && option.auxiliaryTypes().length > 0) {
            type = option.auxiliaryTypes()[0];
        }
        o.put("type", typeName(type, option));
        if (type.isEnum()) {
            List<String> choices = new ArrayList<>();
            for (Object constant : type.getEnumConstants()) {
                choices.add(constant.toString().toLowerCase(java.util.Locale.ROOT));
            }
            o.put("choices", choices);
        }
        o.put("required", option.required());
        o.put("repeatable", repeatable);
        o.put("default", option.defaultValue());
        o.put("param", option.paramLabel());
        o.put("description", String.join(" ", option.description()).replace("${DEFAULT-VALUE}", String.valueOf(option.defaultValue())));
        if (option.userObject() instanceof Field field && field.isAnnotationPresent(Writes.class)) {
            o.put("writes", field.getAnnotation(Writes.class).value().id());
        }
        return o;
    }

    private static String typeName(Class<?> type, OptionSpec option) {
        if (option.arity().max() == 0) {
            return "flag";
        }
        if (type == LocalDate.class) {
            return "date";
        }
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
            return "integer";
        }
        if (type == double.class || type == Double.class) {
            return "number";
        }
        if (type.isEnum()) {
            return "choice";
        }
        return "string";
    }
}
