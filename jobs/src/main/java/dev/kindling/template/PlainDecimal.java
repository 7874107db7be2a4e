package dev.kindling.template;

import java.util.regex.Pattern;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A picocli converter for numbers written as plain decimals (0.05, 12, -3.5). Double.parseDouble
 * alone would also take 0x1p-3, 1e-2, NaN, Infinity and a trailing 'd': not what anyone means in a
 * DAG or on a command line. Use it with {@code @Option(converter = PlainDecimal.class)}.
 */
public final class PlainDecimal implements ITypeConverter<Double> {

    private static final Pattern PLAIN = Pattern.compile("-?[0-9]+(\\.[0-9]+)?");

    @Override
    public Double convert(String value) {
        if (!PLAIN.matcher(value).matches()) {
            throw new TypeConversionException("'" + value + "' is not a plain decimal number such as 0.05");
        }
        return Double.valueOf(value);
    }
}
