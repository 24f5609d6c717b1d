package io.lakecore.spark;

import java.util.Arrays;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.Literal;
import org.apache.spark.sql.catalyst.expressions.objects.StaticInvoke;
import org.apache.spark.sql.types.AbstractDataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.types.UTF8String;
import scala.collection.JavaConverters;
import scala.collection.Seq;

/**
 * Simple regular expressions matched on a string's UTF-8 bytes, where Spark keeps them.
 *
 * <p>Spark's {@code rlike} decodes every value into a Java string and runs {@code
 * java.util.regex} on it: for a quality rule like {@code ^SKU-\d{5}$} the decoding and the
 * matcher's set-up cost far more than the match. The patterns lakecore's rules use most are
 * sequences of ASCII character classes with counts; {@code adapters/spark/patterns.py}
 * compiles such a pattern into a program (below) and anything else stays {@code rlike}.
 *
 * <p>Because every class holds ASCII bytes only, a byte of a multi-byte character never
 * matches one, so matching bytes gives the verdict matching characters gives. The program:
 *
 * <pre>
 *   program     := alternatives:u8 alternative*
 *   alternative := flags:u8 (1: starts at the value's start, 2: ends at its end) atoms:u8
 *                  least:u16 longest:u16 (its shortest and longest match in bytes, big-endian;
 *                  0xffff: no longest) atom*
 *   atom        := min:u8 max:u8 (255: no bound) class:16 bytes (bit b: ASCII byte b matches)
 * </pre>
 *
 * A value matches when some alternative matches it somewhere (an unanchored alternative at any
 * start), as {@code rlike} (Java's {@code Matcher.find}) would.
 */
public final class BytePatterns {
  private static final int ATOM = 18;
  private static final int UNBOUNDED = 255;
  private static final int NO_LONGEST = 0xffff;

  private BytePatterns() {}

  /** The rule's test as a Spark column: {@code matches(value, program)}, null for a null. */
  public static Column column(Column value, byte[] program) {
    Seq<Expression> arguments =
        seq(value.expr(), Literal.create(program, DataTypes.BinaryType));
    Seq<AbstractDataType> types = seq(DataTypes.StringType, DataTypes.BinaryType);
    return new Column(
        new StaticInvoke(
            BytePatterns.class, DataTypes.BooleanType, "matches", arguments, types, true, false,
            true));
  }

  @SafeVarargs
  private static <T> Seq<T> seq(T... items) {
    return JavaConverters.asScalaBuffer(Arrays.asList(items)).toSeq();
  }

  /** True when {@code value} matches the compiled pattern somewhere. */
  public static boolean matches(UTF8String value, byte[] program) {
    Object base = value.getBaseObject();
    long offset = value.getBaseOffset();
    int length = value.numBytes();
    int at = 1;
    for (int alternative = program[0]; alternative > 0; alternative--) {
      int flags = program[at];
      int atoms = program[at + 1] & 0xff;
      int least = u16(program, at + 2);
      int longest = u16(program, at + 4);
      int first = at + 6;
      boolean end = (flags & 2) != 0;
      if ((flags & 1) != 0) {
        if (sequence(program, first, atoms, base, offset, 0, length, end)) {
          return true;
        }
      } else {
        // A match is at least `least` bytes long; one that ends at the value's end and is at
        // most `longest` long starts in the value's last `longest` bytes.
        int start = end && longest != NO_LONGEST ? Math.max(0, length - longest) : 0;
        for (; start <= length - least; start++) {
          if (sequence(program, first, atoms, base, offset, start, length, end)) {
            return true;
          }
        }
      }
      at = first + atoms * ATOM;
    }
    return false;
  }

  /** Atoms {@code atom}, {@code atom + 1}, ... match the bytes from {@code at} on. */
  private static boolean sequence(
      byte[] program, int atom, int atoms, Object base, long offset, int at, int length,
      boolean end) {
    if (atoms == 0) {
      return !end || at == length;
    }
    int min = program[atom] & 0xff;
    int max = program[atom + 1] & 0xff;
    if (max == UNBOUNDED) {
      max = Integer.MAX_VALUE;
    }
    int count = 0;
    while (count < max && at + count < length
        && in(program, atom + 2, Platform.getByte(base, offset + at + count))) {
      count++;
    }
    if (count < min) {
      return false;
    }
    if (atoms == 1) {
      return !end || at + count == length;
    }
    for (int taken = count; taken >= min; taken--) {
      if (sequence(program, atom + ATOM, atoms - 1, base, offset, at + taken, length, end)) {
        return true;
      }
    }
    return false;
  }

  private static int u16(byte[] program, int at) {
    return (program[at] & 0xff) << 8 | program[at + 1] & 0xff;
  }

  private static boolean in(byte[] program, int set, byte b) {
    return b >= 0 && (program[set + (b >>> 3)] & (1 << (b & 7))) != 0;
  }
}
