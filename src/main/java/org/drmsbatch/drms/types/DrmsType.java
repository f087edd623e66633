package org.drmsbatch.drms.types;

import java.util.Locale;

/**
 * The eight DRMS data types (specs/drms.md §0 and §4.1): their names in JSD files, PostgreSQL column types,
 * MISSING values and conversions with the DRMS status of each conversion.
 */
public enum DrmsType {
    CHAR("char", "smallint", 8),
    SHORT("short", "smallint", 16),
    INT("int", "integer", 32),
    LONGLONG("longlong", "bigint", 64),
    FLOAT("float", "real", -32),
    DOUBLE("double", "double precision", -64),
    TIME("time", "double precision", -64),
    STRING("string", "text", 0);

    /** MISSING time: -4712.01.01_12:00:00.000_TDT. */
    public static final double MISSING_TIME = -211087684832.184;

    private final String jsdName;
    private final String sqlType;
    private final int bitpix;

    DrmsType(String jsdName, String sqlType, int bitpix) {
        this.jsdName = jsdName;
        this.sqlType = sqlType;
        this.bitpix = bitpix;
    }

    /** The name written in JSD files ({@code int}, {@code longlong}, ...). */
    public String jsdName() {
        return jsdName;
    }

    /** The PostgreSQL column type of a keyword of this type. */
    public String sqlType() {
        return sqlType;
    }

    /** FITS BITPIX of a segment of this type (0 for string). */
    public int bitpix() {
        return bitpix;
    }

    public boolean isInteger() {
        return this == CHAR || this == SHORT || this == INT || this == LONGLONG;
    }

    public boolean isFloating() {
        return this == FLOAT || this == DOUBLE || this == TIME;
    }

    /** Parses a JSD type name case-insensitively; null when it is not a type. */
    public static DrmsType fromJsdName(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        for (DrmsType t : values()) {
            if (t.jsdName.equals(n)) {
                return t;
            }
        }
        return null;
    }

    /** The MISSING value of this type as the Java object a keyword of this type holds. */
    public Object missing() {
        return switch (this) {
            case CHAR -> Byte.MIN_VALUE;
            case SHORT -> Short.MIN_VALUE;
            case INT -> Integer.MIN_VALUE;
            case LONGLONG -> Long.MIN_VALUE;
            case FLOAT -> Float.NaN;
            case DOUBLE -> Double.NaN;
            case TIME -> MISSING_TIME;
            case STRING -> "";
        };
    }

    /** Smallest and largest value of an integer type, as doubles. */
    public double minValue() {
        return switch (this) {
            case CHAR -> Byte.MIN_VALUE;
            case SHORT -> Short.MIN_VALUE;
            case INT -> Integer.MIN_VALUE;
            case LONGLONG -> Long.MIN_VALUE;
            case FLOAT -> -Float.MAX_VALUE;
            default -> -Double.MAX_VALUE;
        };
    }

    public double maxValue() {
        return switch (this) {
            case CHAR -> Byte.MAX_VALUE;
            case SHORT -> Short.MAX_VALUE;
            case INT -> Integer.MAX_VALUE;
            case LONGLONG -> Long.MAX_VALUE;
            case FLOAT -> Float.MAX_VALUE;
            default -> Double.MAX_VALUE;
        };
    }

    /** True when {@code value} (an object of this type) is this type's MISSING value. */
    public boolean isMissing(Object value) {
        if (value == null) {
            return true;
        }
        return switch (this) {
            case FLOAT, DOUBLE -> Double.isNaN(((Number) value).doubleValue());
            // DRMS compares missing times after truncation to whole seconds (_DRMS_IS_T_MISSING)
            case TIME -> Double.isNaN(((Number) value).doubleValue())
                    || (long) ((Number) value).doubleValue() == (long) MISSING_TIME;
            case STRING -> ((String) value).isEmpty();
            default -> ((Number) value).longValue() == ((Number) missing()).longValue();
        };
    }

    @Override
    public String toString() {
        return jsdName;
    }
}
