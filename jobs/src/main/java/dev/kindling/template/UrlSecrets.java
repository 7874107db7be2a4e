package dev.kindling.template;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one place that knows where a URL carries a credential: a password in the user info
 * ({@code postgresql://user:password@host}), Oracle's {@code thin:user/password@host}, and any parameter
 * whose name says secret ({@code password=}, {@code sslpassword=}, {@code SecretAccessKey=}, {@code token=},
 * {@code api_key=}, ...), after {@code ?}, {@code &} or {@code ;} (SQL Server's and Snowflake's
 * properties). Every URL the project prints goes through {@link #masked}; a JDBC URL given on a command
 * line, where Airflow renders it and {@code ps} shows it, is refused by {@link #credentialIn}.
 */
public final class UrlSecrets {

    private static final String MASK = "***";
    private static final Pattern SECRET_PARAMETER = Pattern.compile(
            "(?i)([?&;]\\s*)([A-Za-z0-9_.-]*(?:password|passwd|pwd|secret|token|apikey|api_key|api-key|accesskey|access_key|credential)[A-Za-z0-9_.-]*)"
                    + "\\s*=([^;&#\\s]*)");
    private static final Pattern USER_PARAMETER = Pattern.compile("(?i)[?&;]\\s*(user|username|uid)\\s*=");
    private static final Pattern USER_INFO_PASSWORD = Pattern.compile("(//[^/@:\\s?#]*):([^/@\\s?#]*)@");
    private static final Pattern ORACLE_THIN = Pattern.compile("(?i)(jdbc:oracle:[a-z0-9]+:)([^/@:\\s]+)/([^@\\s]+)@");

    private UrlSecrets() {
    }

    /** The text with every credential a URL in it may carry replaced by {@value #MASK}; the rest as it was. */
    public static String masked(String text) {
        if (text == null) {
            return null;
        }
        String masked = USER_INFO_PASSWORD.matcher(text).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + ":" + MASK + "@"));
        masked = ORACLE_THIN.matcher(masked).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + m.group(2) + "/" + MASK + "@"));
        return SECRET_PARAMETER.matcher(masked).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + m.group(2) + "=" + MASK));
    }

    /**
     * What credential a JDBC URL carries, named without its value ({@code "password="}, {@code "a password
     * in the user info"}, {@code "user="}); empty when it carries none. The user counts too: credentials
     * come from KINDLING_JDBC_USER and KINDLING_JDBC_PASSWORD, together.
     */
    public static Optional<String> credentialIn(String url) {
        if (url == null) {
            return Optional.empty();
        }
        if (USER_INFO_PASSWORD.matcher(url).find()) {
            return Optional.of("a password in the user info");
        }
        if (ORACLE_THIN.matcher(url).find()) {
            return Optional.of("a user/password before @");
        }
        Matcher secret = SECRET_PARAMETER.matcher(url);
        if (secret.find()) {
            return Optional.of(secret.group(2) + "=");
        }
        Matcher user = USER_PARAMETER.matcher(url);
        return user.find() ? Optional.of(user.group(1) + "=") : Optional.empty();
    }

    /** Bad input (exit 2) when {@code url}, given to {@code option}, carries a credential; the message never shows the URL. */
    public static void refuseCredentials(String option, String url) {
        credentialIn(url).ifPresent(found -> {
            throw new InvalidInputException(option + " must not carry credentials (" + found + "): set KINDLING_JDBC_USER and KINDLING_JDBC_PASSWORD instead");
        });
    }
}
