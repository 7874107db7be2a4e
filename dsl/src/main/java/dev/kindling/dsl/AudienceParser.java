package dev.kindling.dsl;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.kindling.dsl.AudienceDefinition.Chain;
import dev.kindling.dsl.AudienceDefinition.Combine;
import dev.kindling.dsl.AudienceDefinition.Consent;
import dev.kindling.dsl.AudienceDefinition.Filter;
import dev.kindling.dsl.AudienceDefinition.Step;

/**
 * Reads an audience written exactly as in the shell, so a saved definition is the sentence an analyst
 * typed, e.g. {@code users().withPermissionToMailing().livingNear("87-100", 10)}. It knows only the
 * DSL's own steps and keeps calls to them with the values it read, so every value goes through the
 * same checks as in the shell and is bound as a literal, never pasted into SQL or evaluated as code.
 * The checks that need no data run here, without Spark. {@code //} starts a comment; a final {@code ;}
 * is allowed. Terminal steps are not part of a definition.
 */
final class AudienceParser {

    /** How deep and/or/except may nest: far more than anyone writes, far less than the stack holds. */
    static final int MAX_NESTING = 100;
    /** How many steps a definition may have, all parts together (each one deepens Spark's plan). */
    static final int MAX_STEPS = 250;
    /** The steps a definition may use after users(), as listed to an analyst who wrote another word. */
    static final List<String> STEPS = List.of("withPermissionToMailing", "soldAtLeast", "boughtAtLeast", "boughtAtMost", "notBoughtIn",
            "lastBoughtBefore", "spentAtLeast", "livingNear", "registeredBetween", "notMailedInLast", "and", "or", "except", "excluding");

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

    private final List<Token> tokens;
    private final List<String> texts;
    private int next;
    private int steps;
    private AudienceDefinition.Holdout holdout;

    private AudienceParser(List<Token> tokens) {
        this.tokens = tokens;
        this.texts = tokens.stream().map(Token::text).toList();
    }

    /** The definition's audience, checked as far as it can be without data. */
    static AudienceDefinition parse(String definition) {
        if (definition == null || definition.isBlank()) {
            throw new AudienceException("the audience definition is empty; write one such as users().withPermissionToMailing()");
        }
        AudienceParser parser = new AudienceParser(tokenize(definition));
        Chain chain = parser.chain(0);
        if (parser.peek().is(";")) {
            parser.next++;
        }
        if (!parser.peek().is("")) {
            throw parser.unexpected("the end of the definition");
        }
        return new AudienceDefinition(chain, parser.holdout);
    }

    private Chain chain(int nesting) {
        int first = next;
        expect("users");
        expect("(");
        expect(")");
        List<Step> chainSteps = new ArrayList<>();
        List<Integer> stepEnds = new ArrayList<>();
        while (peek().is(".")) {
            next++;
            if (peek().is("holdout")) {
                holdout = holdout(nesting, new Chain(texts, first, chainSteps, stepEnds));
                if (peek().is(".")) {
                    throw new AudienceException(peek().where() + ": holdout(...) ends the audience; no step may follow it");
                }
                break;
            }
            chainSteps.add(step(nesting));
            stepEnds.add(next - 1);
        }
        return new Chain(texts, first, chainSteps, stepEnds);
    }

    /** holdout(percent, "salt"): only the last step of the whole audience, and only of one whose every user agreed. */
    private AudienceDefinition.Holdout holdout(int nesting, Chain before) {
        Token name = take();
        if (nesting > 0) {
            throw new AudienceException(name.where() + ": holdout(...) can only end the whole audience, not a part inside and(...), or(...) or except(...)");
        }
        if (!before.guaranteesConsent()) {
            throw new AudienceException(name.where() + ": holdout(...) needs an audience whose every user agreed to mailings;"
                    + " add .withPermissionToMailing() before it");
        }
        expect("(");
        double percent = number();
        expect(",");
        String salt = string();
        expect(")");
        AudienceWithHoldout.requirePercent(percent);
        AudienceWithHoldout.requireSalt(salt);
        return new AudienceDefinition.Holdout(percent, salt);
    }

    private Step step(int nesting) {
        Token name = take();
        if (++steps > MAX_STEPS) {
            throw new AudienceException(name.where() + ": the definition has more than " + MAX_STEPS + " steps; a definition may have at most " + MAX_STEPS);
        }
        expect("(");
        Step step = switch (name.text()) {
            case "withPermissionToMailing" -> new Consent();
            case "soldAtLeast", "boughtAtLeast" -> activity(name.text());
            case "boughtAtMost" -> boughtAtMost();
            case "notBoughtIn" -> notBoughtIn();
            case "lastBoughtBefore" -> lastBoughtBefore();
            case "spentAtLeast" -> spentAtLeast();
            case "livingNear" -> livingNear();
            case "registeredBetween" -> {
                Function<Marketplace, Period> period = period();
                yield new Filter(audience -> audience.registeredBetween(period.apply(audience.marketplace())));
            }
            case "notMailedInLast" -> {
                int days = wholeNumber();
                Audience.requireNotMailedDays(days);
                yield new Filter(audience -> audience.notMailedInLast(days));
            }
            case "and", "or", "except", "excluding" -> {
                if (nesting >= MAX_NESTING) {
                    throw new AudienceException(name.where() + ": and/or/except are nested more than " + MAX_NESTING
                            + " levels deep; a definition may nest them at most " + MAX_NESTING + " levels");
                }
                yield new Combine(name.text(), chain(nesting + 1));
            }
            case "count", "by", "show", "toDataset", "explain", "prepareForMailing" -> throw new AudienceException(name.where()
                    + ": ." + name.text() + "(...) is a terminal step; a saved definition only describes the audience (the job names the mailing with --name)");
            default -> throw new AudienceException(name.where() + ": '" + name.text() + "' is not a step; the steps are " + String.join(", ", STEPS)
                    + ", and last holdout");
        };
        expect(")");
        return step;
    }

    private Filter activity(String name) {
        int n = wholeNumberThen(",");
        Audience.requireTimes(name, n);
        String category = stringThen(",");
        Function<Marketplace, Period> period = period();
        return new Filter(name.equals("soldAtLeast")
                ? audience -> audience.soldAtLeast(n, category, period.apply(audience.marketplace()))
                : audience -> audience.boughtAtLeast(n, category, period.apply(audience.marketplace())));
    }

    private Filter boughtAtMost() {
        int n = wholeNumberThen(",");
        Audience.requireAtMost("boughtAtMost", n);
        String category = stringThen(",");
        Function<Marketplace, Period> period = period();
        return new Filter(audience -> audience.boughtAtMost(n, category, period.apply(audience.marketplace())));
    }

    private Filter notBoughtIn() {
        String category = stringThen(",");
        Function<Marketplace, Period> period = period();
        return new Filter(audience -> audience.notBoughtIn(category, period.apply(audience.marketplace())));
    }

    private Filter lastBoughtBefore() {
        String date = string();
        Audience.requireDay("lastBoughtBefore", date);
        return new Filter(audience -> audience.lastBoughtBefore(date));
    }

    private Filter spentAtLeast() {
        double amount = number();
        expect(",");
        Audience.requireAmount(amount);
        String category = stringThen(",");
        Function<Marketplace, Period> period = period();
        return new Filter(audience -> audience.spentAtLeast(amount, category, period.apply(audience.marketplace())));
    }

    private Filter livingNear() {
        String postalCode = stringThen(",");
        Marketplace.requirePostalCode("livingNear", postalCode);
        double radiusKm = number();
        Audience.requireRadius(radiusKm);
        return new Filter(audience -> audience.livingNear(postalCode, radiusKm));
    }

    private int wholeNumberThen(String separator) {
        int n = wholeNumber();
        expect(separator);
        return n;
    }

    private int wholeNumber() {
        Token token = take();
        if (!token.text().matches("-?\\d+")) {
            throw new AudienceException(token.where() + ": expected a whole number but found " + shown(token));
        }
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

    /** A period, checked now; lastDays(n) ends on the marketplace's day, so it is fixed when built. */
    private Function<Marketplace, Period> period() {
        Token name = take();
        if (!name.is("between") && !name.is("lastDays")) {
            next--;
            throw unexpected("a period: between(\"YYYY-MM-DD\", \"YYYY-MM-DD\") or lastDays(n)");
        }
        expect("(");
        if (name.is("lastDays")) {
            int days = wholeNumberThen(")");
            Period.requireDays(days);
            return marketplace -> marketplace.lastDays(days);
        }
        Period period = Period.parse(stringThen(","), stringThen(")"));
        return marketplace -> period;
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
