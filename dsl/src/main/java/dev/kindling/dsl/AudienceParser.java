package dev.kindling.dsl;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads an audience written exactly as in the shell, so a saved definition is the sentence an analyst
 * typed, e.g. {@code users().withPermissionToMailing().livingNear("87-100", 10)}. It knows only the
 * DSL's own steps and calls them with the values it read, so every value goes through the same
 * checks as in the shell and is bound as a literal, never pasted into SQL or evaluated as code.
 * {@code //} starts a comment; a final {@code ;} is allowed. Terminal steps are not part of a definition.
 */
final class AudienceParser {

    private static final Pattern TOKEN = Pattern.compile(
            "(?<space>\\s+|//[^\\n]*)|(?<string>\"(?:[^\"\\\\\\n]|\\\\.)*\")|(?<number>-?\\d+(?:\\.\\d+)?)|(?<word>[A-Za-z_]\\w*)|(?<symbol>[().,;])");

    private record Token(String text, int line, int column) {
        boolean is(String expected) {
            return text.equals(expected);
        }

        String where() {
            return "line " + line + ", column " + column;
        }
    }

    private final Audience start;
    private final List<Token> tokens;
    private int next;

    private AudienceParser(Audience start, List<Token> tokens) {
        this.start = start;
        this.tokens = tokens;
    }

    /** The audience that definition describes, built from start (which is users()). */
    static Audience parse(Audience start, String definition) {
        if (definition == null || definition.isBlank()) {
            throw new AudienceException("the audience definition is empty; write one such as users().withPermissionToMailing()");
        }
        AudienceParser parser = new AudienceParser(start, tokenize(definition));
        Audience audience = parser.audience();
        if (parser.peek().is(";")) {
            parser.next++;
        }
        if (!parser.peek().is("")) {
            throw parser.unexpected("the end of the definition");
        }
        return audience;
    }

    private Audience audience() {
        expect("users");
        expect("(");
        expect(")");
        Audience audience = start;
        while (peek().is(".")) {
            next++;
            audience = step(audience);
        }
        return audience;
    }

    private Audience step(Audience audience) {
        Token name = take();
        expect("(");
        Audience result = switch (name.text()) {
            case "withPermissionToMailing" -> audience.withPermissionToMailing();
            case "soldAtLeast" -> audience.soldAtLeast(wholeNumberThen(","), stringThen(","), period());
            case "boughtAtLeast" -> audience.boughtAtLeast(wholeNumberThen(","), stringThen(","), period());
            case "livingNear" -> audience.livingNear(stringThen(","), number());
            case "registeredBetween" -> audience.registeredBetween(period());
            case "and" -> audience.and(audience());
            case "or" -> audience.or(audience());
            case "except" -> audience.except(audience());
            case "count", "show", "toDataset", "explain", "prepareForMailing" -> throw new AudienceException(name.where()
                    + ": ." + name.text() + "(...) is a terminal step; a saved definition only describes the audience (the job names the mailing with --name)");
            default -> throw new AudienceException(name.where() + ": '" + name.text() + "' is not a step; the steps are withPermissionToMailing,"
                    + " soldAtLeast, boughtAtLeast, livingNear, registeredBetween, and, or, except");
        };
        expect(")");
        return result;
    }

    private int wholeNumberThen(String separator) {
        Token token = take();
        if (!token.text().matches("-?\\d+")) {
            throw new AudienceException(token.where() + ": expected a whole number but found " + shown(token));
        }
        expect(separator);
        try {
            return Integer.parseInt(token.text());
        } catch (NumberFormatException e) {
            throw new AudienceException(token.where() + ": " + token.text() + " is too large a number");
        }
    }

    private double number() {
        Token token = take();
        if (!token.text().matches("-?\\d+(\\.\\d+)?")) {
            throw new AudienceException(token.where() + ": expected a number but found " + shown(token));
        }
        return Double.parseDouble(token.text());
    }

    private String string() {
        Token token = take();
        if (!token.text().startsWith("\"")) {
            throw new AudienceException(token.where() + ": expected a text in double quotes but found " + shown(token));
        }
        String body = token.text().substring(1, token.text().length() - 1);
        return body.replaceAll("\\\\(.)", "$1");
    }

    private String stringThen(String separator) {
        String value = string();
        expect(separator);
        return value;
    }

    private Period period() {
        Token name = take();
        if (!name.is("between") && !name.is("lastDays")) {
            next--;
            throw unexpected("a period: between(\"YYYY-MM-DD\", \"YYYY-MM-DD\") or lastDays(n)");
        }
        expect("(");
        if (name.is("lastDays")) {
            return start.marketplace().lastDays(wholeNumberThen(")"));
        }
        String from = stringThen(",");
        String to = stringThen(")");
        return Period.parse(from, to);
    }

    private void expect(String text) {
        Token token = take();
        if (!token.is(text)) {
            next--;
            throw unexpected("'" + text + "'");
        }
    }

    private AudienceException unexpected(String expected) {
        Token token = peek();
        return new AudienceException(token.where() + ": expected " + expected + " but found " + shown(token));
    }

    private Token take() {
        Token token = peek();
        next++;
        return token;
    }

    private Token peek() {
        return tokens.get(Math.min(next, tokens.size() - 1));
    }

    private static String shown(Token token) {
        return token.is("") ? "the end of the definition" : "'" + token.text() + "'";
    }

    private static List<Token> tokenize(String text) {
        List<Token> tokens = new ArrayList<>();
        Matcher matcher = TOKEN.matcher(text);
        int position = 0;
        int line = 1;
        int lineStart = 0;
        while (position < text.length()) {
            if (!matcher.region(position, text.length()).lookingAt()) {
                throw new AudienceException("line " + line + ", column " + (position - lineStart + 1) + ": unexpected character '" + text.charAt(position) + "'");
            }
            if (matcher.group("space") == null) {
                tokens.add(new Token(matcher.group(), line, position - lineStart + 1));
            }
            for (int i = position; i < matcher.end(); i++) {
                if (text.charAt(i) == '\n') {
                    line++;
                    lineStart = i + 1;
                }
            }
            position = matcher.end();
        }
        tokens.add(new Token("", line, position - lineStart + 1)); // the end
        return tokens;
    }
}
