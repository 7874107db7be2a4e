package dev.kindling.template;

import java.text.Normalizer;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Graphite paths that stay stable and safe whatever a name is made of: every segment keeps only
 * ASCII letters, digits, '_' and '-' (accents are stripped, anything else becomes '_'), so a dot,
 * space, slash or non-ASCII character in an env, job or data value never adds a level or breaks a path.
 */
public final class MetricPath {

    private MetricPath() {
    }

    /** One path segment, e.g. "Sports & Outdoor" becomes "Sports_Outdoor". */
    public static String segment(String raw) {
        if (raw == null) {
            return "unknown";
        }
        String ascii = Normalizer.normalize(raw, Normalizer.Form.NFD).replaceAll("\\p{M}", "");
        String safe = ascii.replaceAll("[^A-Za-z0-9_-]+", "_").replaceAll("^_+|_+$", "");
        return safe.isEmpty() ? "unknown" : safe;
    }

    /** A dotted path whose dots are meant as levels, each level made safe. */
    public static String path(String dotted) {
        return Arrays.stream(dotted.split("\\.")).filter(s -> !s.isBlank()).map(MetricPath::segment).collect(Collectors.joining("."));
    }
}
