package dev.kindling.dsl;

import java.util.List;
import java.util.function.UnaryOperator;

/**
 * An audience written as text, e.g. a saved definition, read by {@link AudienceParser} without Spark:
 * its grammar, its size and every value that needs no data (numbers, periods, postal code formats)
 * are checked by {@link #parse(String)}, so a scheduled job refuses a bad definition before a Spark
 * session starts. Categories and postal codes are looked up when it is built {@linkplain #on on a
 * marketplace}. Whether it may be mailed is known from its text, as the compiler knows it from Java.
 */
public final class AudienceDefinition {

    /**
     * users() and its steps, as written: {@code first} is the index of its first token in tokens,
     * {@code stepEnds} the index of each step's closing parenthesis.
     */
    record Chain(List<String> tokens, int first, List<Step> steps, List<Integer> stepEnds) {
        Chain {
            steps = List.copyOf(steps);
            stepEnds = List.copyOf(stepEnds);
        }

        Audience build(Marketplace marketplace) {
            Audience audience = marketplace.users();
            for (Step step : steps) {
                audience = step.applyTo(audience);
            }
            return audience;
        }

        boolean guaranteesConsent() {
            return consentAfter(steps.size());
        }

        /** Whether the first n steps guarantee consent: the rule of {@link Criterion#guaranteesConsent()}, step by step. */
        private boolean consentAfter(int n) {
            boolean consent = false;
            for (Step step : steps.subList(0, n)) {
                consent = step.consentAfter(consent);
            }
            return consent;
        }

        /** The part that lets in users without consent: the first side of an or without it, the first part of an except. */
        String withoutConsent() {
            int n = steps.size();
            while (n > 0 && steps.get(n - 1) instanceof Combine combine && !combine.how().equals("and")) {
                if (combine.how().equals("or") && consentAfter(n - 1)) {
                    return combine.other().withoutConsent();
                }
                n--;
            }
            int end = n == 0 ? first + 2 : stepEnds.get(n - 1);
            StringBuilder text = new StringBuilder();
            for (String token : tokens.subList(first, end + 1)) {
                text.append(token).append(token.equals(",") ? " " : "");
            }
            return text.toString();
        }
    }

    /** One step after users(). */
    sealed interface Step {
        Audience applyTo(Audience audience);

        /** Whether the audience guarantees consent after this step, given whether it did before. */
        boolean consentAfter(boolean before);
    }

    record Consent() implements Step {
        public Audience applyTo(Audience audience) {
            return audience.withPermissionToMailing();
        }

        public boolean consentAfter(boolean before) {
            return true;
        }
    }

    /**
     * A step that only removes users: soldAtLeast, boughtAtLeast, boughtAtMost, notBoughtIn,
     * lastBoughtBefore, spentAtLeast, livingNear, registeredBetween.
     */
    record Filter(UnaryOperator<Audience> step) implements Step {
        public Audience applyTo(Audience audience) {
            return step.apply(audience);
        }

        public boolean consentAfter(boolean before) {
            return before;
        }
    }

    /** and, or, except (or its other name, excluding) with another audience. */
    record Combine(String how, Chain other) implements Step {
        public Audience applyTo(Audience audience) {
            Audience built = other.build(audience.marketplace());
            return switch (how) {
                case "and" -> audience.and(built);
                case "or" -> audience.or(built);
                case "excluding" -> audience.excluding(built);
                default -> audience.except(built);
            };
        }

        public boolean consentAfter(boolean before) {
            return switch (how) {
                case "and" -> before || other.guaranteesConsent();
                case "or" -> before && other.guaranteesConsent();
                default -> before;
            };
        }
    }

    /** holdout(percent, "salt") at the end of a definition: its values, already checked. */
    public record Holdout(double percent, String salt) {
    }

    private final Chain chain;
    private final Holdout holdout; // null without one

    AudienceDefinition(Chain chain) {
        this(chain, null);
    }

    AudienceDefinition(Chain chain, Holdout holdout) {
        this.chain = chain;
        this.holdout = holdout;
    }

    /** True when the definition ends with holdout(percent, "salt"): build it with {@link #withHoldoutOn}. */
    public boolean endsWithHoldout() {
        return holdout != null;
    }

    /** The audience with its holdout on a marketplace, to be prepared for mailing (the parser checked its consent). */
    public AudienceWithHoldout withHoldoutOn(Marketplace marketplace) {
        if (holdout == null) {
            throw new AudienceException("holdout: this definition does not end with holdout(percent, \"salt\"); build it with mailableOn");
        }
        requireConsent();
        return ((MailableAudience) chain.build(marketplace)).holdout(holdout.percent(), holdout.salt());
    }

    /** Reads and checks a definition without Spark; fails with a one-line message that says where. */
    public static AudienceDefinition parse(String definition) {
        return AudienceParser.parse(definition);
    }

    /** True when every user of the audience agreed to mailings, whatever the data. */
    public boolean guaranteesConsent() {
        return chain.guaranteesConsent();
    }

    /** This definition, if it can be prepared for mailing; otherwise fails naming the part without consent. */
    public AudienceDefinition requireConsent() {
        if (!guaranteesConsent()) {
            throw new AudienceException("prepareForMailing: this audience may include users who did not agree to mailings, so it cannot be exported."
                    + " Add .withPermissionToMailing() to every part joined with or(...), and to the first part of except(...)."
                    + " Missing in: " + chain.withoutConsent());
        }
        return this;
    }

    /** The audience on a marketplace (looks up its categories and postal codes). */
    public Audience on(Marketplace marketplace) {
        if (holdout != null) {
            // dropping it silently would mail the users the analyst meant to keep out
            throw new AudienceException("holdout: this definition ends with holdout(" + Audience.number(holdout.percent()) + ", \"" + holdout.salt()
                    + "\"), which only a mailing can have; the audience job prepares it, or remove the holdout to read the audience");
        }
        return chain.build(marketplace);
    }

    /** The audience on a marketplace, to be prepared for mailing; fails first if it may include users without consent. */
    public MailableAudience mailableOn(Marketplace marketplace) {
        requireConsent();
        // holds because the text's rule above and Criterion's agree (ConsentPropertyTest)
        return (MailableAudience) on(marketplace);
    }
}
