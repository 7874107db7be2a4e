package dev.kindling.checks;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

import dev.kindling.template.InvalidInputException;
import dev.kindling.template.Source;
import org.apache.spark.sql.catalyst.analysis.UnresolvedAttribute;
import org.apache.spark.sql.catalyst.analysis.UnresolvedFunction;
import org.apache.spark.sql.catalyst.expressions.Add;
import org.apache.spark.sql.catalyst.expressions.And;
import org.apache.spark.sql.catalyst.expressions.CaseWhen;
import org.apache.spark.sql.catalyst.expressions.Cast;
import org.apache.spark.sql.catalyst.expressions.Concat;
import org.apache.spark.sql.catalyst.expressions.Divide;
import org.apache.spark.sql.catalyst.expressions.EqualNullSafe;
import org.apache.spark.sql.catalyst.expressions.EqualTo;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.GreaterThan;
import org.apache.spark.sql.catalyst.expressions.GreaterThanOrEqual;
import org.apache.spark.sql.catalyst.expressions.ILike;
import org.apache.spark.sql.catalyst.expressions.In;
import org.apache.spark.sql.catalyst.expressions.InSubquery;
import org.apache.spark.sql.catalyst.expressions.IsNotNull;
import org.apache.spark.sql.catalyst.expressions.IsNull;
import org.apache.spark.sql.catalyst.expressions.LessThan;
import org.apache.spark.sql.catalyst.expressions.LessThanOrEqual;
import org.apache.spark.sql.catalyst.expressions.Like;
import org.apache.spark.sql.catalyst.expressions.Literal;
import org.apache.spark.sql.catalyst.expressions.Multiply;
import org.apache.spark.sql.catalyst.expressions.Not;
import org.apache.spark.sql.catalyst.expressions.Or;
import org.apache.spark.sql.catalyst.expressions.Remainder;
import org.apache.spark.sql.catalyst.expressions.SubqueryExpression;
import org.apache.spark.sql.catalyst.expressions.Subtract;
import org.apache.spark.sql.catalyst.expressions.UnaryMinus;
import org.apache.spark.sql.catalyst.expressions.UnaryPositive;
import org.apache.spark.sql.catalyst.parser.CatalystSqlParser$;

/**
 * A check file's {@code filter}: data, not code. It is parsed by Spark's own SQL parser when the check
 * file is read, before Spark starts, and may hold only the checked table's columns (by their names
 * alone), literals, comparisons ({@code = <> < <= > >= <=>}), {@code AND OR NOT}, arithmetic
 * ({@code + - * / %}), {@code ||}, {@code IN} (a list of values), {@code LIKE}, {@code ILIKE}, {@code IS [NOT] NULL},
 * {@code BETWEEN}, {@code CAST}, {@code CASE} and the functions of {@link #FUNCTIONS}, which compute a
 * value from their arguments alone. Anything else ({@code java_method}, {@code reflect},
 * {@code raise_error}, any other function or UDF, a subquery, another table's column) is bad input
 * naming it: a check file's author must not gain the job's identity.
 */
final class SafeFilter {

    /** The longest filter accepted, in characters. */
    static final int MAX_LENGTH = 2000;

    /** The functions a filter may call: pure, deterministic, and reaching nothing beyond their arguments. */
    static final Set<String> FUNCTIONS = new TreeSet<>(List.of(
            "abs", "between", "ceil", "ceiling", "char_length", "coalesce", "concat", "contains", "date_add", "date_sub", "datediff", "day",
            "dayofmonth", "dayofweek", "endswith", "floor", "greatest", "hour", "if", "ifnull", "isnotnull", "isnull", "least", "left", "length",
            "lower", "ltrim", "minute", "month", "nullif", "nvl", "right", "round", "rtrim", "startswith", "substr", "substring", "to_date",
            "trim", "upper", "year"));

    private static final List<Class<? extends Expression>> OPERATORS = List.of(
            Literal.class, And.class, Or.class, Not.class, EqualTo.class, EqualNullSafe.class, LessThan.class, LessThanOrEqual.class,
            GreaterThan.class, GreaterThanOrEqual.class, Add.class, Subtract.class, Multiply.class, Divide.class, Remainder.class,
            UnaryMinus.class, UnaryPositive.class, In.class, Like.class, ILike.class, IsNull.class, IsNotNull.class, Cast.class, CaseWhen.class,
            Concat.class);

    private SafeFilter() {
    }

    /** The filter, checked as the class says; {@code at} names the file and check in messages. */
    static String check(String at, String filter) {
        if (filter.length() > MAX_LENGTH) {
            throw refused(at, filter, "is " + filter.length() + " characters long, more than " + MAX_LENGTH);
        }
        Expression parsed;
        try {
            parsed = CatalystSqlParser$.MODULE$.parseExpression(filter);
        } catch (Exception e) { // Spark's ParseException, a checked exception to Java
            throw new InvalidInputException(at + ": filter '" + shown(filter) + "' is not a valid condition: " + Source.parserReason(e.getMessage()));
        }
        allow(at, filter, parsed);
        return filter;
    }

    private static void allow(String at, String filter, Expression expression) {
        if (expression instanceof UnresolvedAttribute column) {
            if (column.nameParts().size() > 1) {
                throw refused(at, filter, "names " + column.name() + ": name a column of the checked table by its name alone");
            }
        } else if (expression instanceof UnresolvedFunction function) {
            String name = function.nameParts().mkString(".").toLowerCase(Locale.ROOT);
            if (function.nameParts().size() > 1 || !FUNCTIONS.contains(name) || function.isDistinct() || function.filter().isDefined()) {
                throw refused(at, filter, "calls " + name + "(), which is not allowed");
            }
        } else if (expression instanceof SubqueryExpression || expression instanceof InSubquery) {
            throw refused(at, filter, "has a subquery, which is not allowed");
        } else if (OPERATORS.stream().noneMatch(allowed -> allowed.isInstance(expression))) {
            throw refused(at, filter, "uses " + expression.prettyName() + ", which is not allowed");
        }
        scala.collection.Iterator<Expression> children = expression.children().iterator();
        while (children.hasNext()) {
            allow(at, filter, children.next());
        }
    }

    private static InvalidInputException refused(String at, String filter, String why) {
        return new InvalidInputException(at + ": filter '" + shown(filter) + "' " + why + "; a filter may use the checked table's columns,"
                + " literals, comparisons, AND, OR, NOT, arithmetic, ||, IN (values), LIKE, ILIKE, IS NULL, BETWEEN, CAST, CASE and the functions " + FUNCTIONS);
    }

    private static String shown(String filter) {
        String line = filter.replaceAll("\\s*\\R\\s*", " ");
        return line.length() <= 120 ? line : line.substring(0, 120) + "...";
    }
}
