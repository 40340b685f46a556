package dev.hprp.proxy.testing;

import java.util.Random;

/**
 * Generated junk for fuzzing parsers and settings: random strings over an alphabet, and small mutations of valid
 * input (which reach deeper than pure noise). Deterministic for a given {@link Random} seed, so a failure reproduces.
 */
public final class Junk {

  /** Characters that matter to the address and list syntax, plus whitespace, NUL and non-ASCII letters and digits. */
  public static final String ADDRESS_ALPHABET = "ab9.-_:[],% \t0123456789\u0000\u00e4\uff11\u0661";

  private Junk() {
  }

  /** A string of 0 to {@code maxLength - 1} characters drawn from {@code alphabet}. */
  public static String string(Random random, String alphabet, int maxLength) {
    StringBuilder s = new StringBuilder();
    int length = random.nextInt(maxLength);
    for (int i = 0; i < length; i++) {
      s.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return s.toString();
  }

  /** {@code valid} with one to three characters inserted, deleted or replaced by characters of {@code alphabet}. */
  public static String mutate(Random random, String valid, String alphabet) {
    StringBuilder s = new StringBuilder(valid);
    int edits = 1 + random.nextInt(3);
    for (int i = 0; i < edits && s.length() > 0; i++) {
      int at = random.nextInt(s.length());
      char c = alphabet.charAt(random.nextInt(alphabet.length()));
      switch (random.nextInt(3)) {
        case 0 -> s.insert(at, c);
        case 1 -> s.deleteCharAt(at);
        default -> s.setCharAt(at, c);
      }
    }
    return s.toString();
  }

  /** The string in quotes with control and non-ASCII characters escaped, for failure messages; "null" for null. */
  public static String describe(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder("\"");
    s.codePoints().forEach(c -> out.append(c < 0x20 || c > 0x7e ? String.format("\\u%04x", c) : Character.toString(c)));
    return out.append('"').toString();
  }
}
