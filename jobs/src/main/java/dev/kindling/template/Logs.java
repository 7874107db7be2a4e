package dev.kindling.template;

import java.util.Map;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.builder.api.AppenderComponentBuilder;
import org.apache.logging.log4j.core.config.builder.api.ConfigurationBuilder;
import org.apache.logging.log4j.core.config.builder.api.ConfigurationBuilderFactory;
import org.apache.logging.log4j.core.config.builder.api.LayoutComponentBuilder;
import org.apache.logging.log4j.core.config.builder.api.RootLoggerComponentBuilder;
import org.apache.logging.log4j.core.config.builder.impl.BuiltConfiguration;

/**
 * Replaces log4j2's configuration for the whole JVM, Spark's own loggers included: one JSON object a
 * line (JsonTemplateLayout with kindling/log-event.json) carrying the run's fields, or a plain layout
 * for reading at a terminal. A log file, when set, is always JSON.
 */
final class Logs {

    /** Loggers that are ours, at log.level; everything else (Spark, Hadoop, Hive) is at log.level.spark. */
    private static final String OWN = "dev.kindling";
    /**
     * metrics-graphite warns with a stack trace on every failed report (the template warns once
     * instead); the embedded Hive metastore warns about routine events on every partition change;
     * the OpenLineage listener warns on every query about connectors loaded apart from it (Kindling has none).
     */
    private static final String[] QUIET = {"dev.kindling.shaded", "com.codahale.metrics",
            "io.openlineage.spark.agent.lifecycle.SparkOpenLineageExtensionVisitorWrapper",
            "org.apache.hadoop.hive.metastore.ObjectStore", "hive.log", "org.apache.hadoop.hive.metastore.RetryingHMSHandler",
            "org.apache.hadoop.hive.conf.HiveConf", "org.apache.hadoop.hive.ql.session.SessionState"};

    private Logs() {
    }

    static void configure(Settings settings, Map<String, String> runFields) {
        ConfigurationBuilder<BuiltConfiguration> builder = ConfigurationBuilderFactory.newConfigurationBuilder();
        builder.setConfigurationName("kindling");
        builder.setStatusLevel(Level.ERROR);

        boolean json = settings.get("log.format").equals("json");
        builder.add(builder.newAppender("console", "Console")
                .addAttribute("target", "SYSTEM_ERR")
                .add(json ? jsonLayout(builder, runFields) : plainLayout(builder, runFields)));
        RootLoggerComponentBuilder root = builder.newRootLogger(Level.toLevel(settings.get("log.level.spark"), Level.WARN))
                .add(builder.newAppenderRef("console"));
        if (settings.isSet("log.file")) {
            AppenderComponentBuilder file = builder.newAppender("file", "File")
                    .addAttribute("fileName", literal(settings.get("log.file"), 1))
                    .addAttribute("append", true)
                    .addAttribute("createOnDemand", true)
                    .add(jsonLayout(builder, runFields));
            builder.add(file);
            root.add(builder.newAppenderRef("file"));
        }
        builder.add(root);
        builder.add(builder.newLogger(OWN, Level.toLevel(settings.get("log.level"), Level.INFO)));
        for (String quiet : QUIET) {
            builder.add(builder.newLogger(quiet, Level.ERROR));
        }
        Configurator.reconfigure(builder.build());
    }

    private static LayoutComponentBuilder jsonLayout(ConfigurationBuilder<BuiltConfiguration> builder, Map<String, String> fields) {
        LayoutComponentBuilder layout = builder.newLayout("JsonTemplateLayout")
                .addAttribute("eventTemplateUri", "classpath:kindling/log-event.json");
        fields.forEach((key, value) -> layout.addComponent(builder.newComponent("EventTemplateAdditionalField")
                .addAttribute("key", key)
                .addAttribute("value", literal(value, 2))));
        return layout;
    }

    /**
     * log4j expands lookups such as {@code ${env:PASSWORD}} in a field's value twice: once when the
     * configuration is built and again when the JSON template is compiled. A run id or an Airflow
     * variable comes from outside, so each substitution must find only escaped {@code $${...}}: the value
     * is written as given, never looked up.
     */
    static String literal(String value, int substitutions) {
        String escaped = value;
        for (int i = 0; i < substitutions; i++) {
            escaped = escaped.replace("${", "$${");
        }
        return escaped;
    }

    /** Only the job's registered name and the parsed logical date: nothing from outside goes into the pattern. */
    private static LayoutComponentBuilder plainLayout(ConfigurationBuilder<BuiltConfiguration> builder, Map<String, String> fields) {
        String run = fields.getOrDefault("job", "") + " " + fields.getOrDefault("logical_date", "");
        return builder.newLayout("PatternLayout")
                .addAttribute("pattern", "%d{HH:mm:ss.SSS} %-5level [" + run.trim().replace("%", "%%") + "] %c{1}: %msg%n%throwable");
    }
}
