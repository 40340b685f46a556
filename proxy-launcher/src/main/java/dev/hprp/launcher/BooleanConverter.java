package dev.hprp.launcher;

import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The value of a flag that takes {@code true} or {@code false} (any case); picocli's own refusal does not say what
 * was expected.
 */
final class BooleanConverter implements ITypeConverter<Boolean> {

  @Override
  public Boolean convert(String text) {
    return switch (text.strip().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new TypeConversionException("'" + text + "' (expected: true or false)");
    };
  }
}
