package org.drmsbatch.drms;

import org.drmsbatch.drms.types.DrmsType;
import org.drmsbatch.drms.types.SegmentArray;

/**
 * The keyword values of up to {@link #CAPACITY} rows read from one result, column by column in arrays of the
 * keywords' primitive types (a missing value is stored as the type's missing value, as a record holds it). A record
 * read from the catalog points at its row here; a value is boxed only when it is asked for, so reading a result
 * allocates no object per cell. Keywords that are not columns of the table (constants, links) read their defaults.
 */
final class RowBlock {

    static final int CAPACITY = 1024;

    private final Object[] defaults;
    /** By keyword position: the column's type, or null for a keyword that is not read from the result. */
    private final DrmsType[] types;
    /** By keyword position: byte[], short[], int[], long[], float[], double[] or String[]; null: the default. */
    private final Object[] columns;
    private int size;

    RowBlock(SeriesLayout layout, int[] positions, DrmsType[] typeOf) {
        this.defaults = layout.defaults;
        int n = defaults.length;
        this.types = new DrmsType[n];
        this.columns = new Object[n];
        for (int j = 0; j < positions.length; j++) {
            int i = positions[j];
            DrmsType t = typeOf[j];
            types[i] = t;
            columns[i] = t == DrmsType.STRING ? new String[CAPACITY] : SegmentArray.newData(t, CAPACITY);
        }
    }

    boolean full() {
        return size == CAPACITY;
    }

    /** Takes the next row; its values are then set with the {@code set} methods. */
    int add() {
        return size++;
    }

    /**
     * The array keyword position {@code keyword}'s values are stored in (byte[], short[], int[], long[], float[],
     * double[] or String[] by its type), for the reader to fill row by row; null for a keyword not read.
     */
    Object column(int keyword) {
        return columns[keyword];
    }

    /** The value of keyword position {@code keyword} in row {@code row}, boxed as a record holds it. */
    Object value(int row, int keyword) {
        DrmsType t = types[keyword];
        if (t == null) {
            return defaults[keyword];
        }
        Object c = columns[keyword];
        return switch (t) {
            case CHAR -> ((byte[]) c)[row];
            case SHORT -> ((short[]) c)[row];
            case INT -> ((int[]) c)[row];
            case LONGLONG -> ((long[]) c)[row];
            case FLOAT -> ((float[]) c)[row];
            case DOUBLE, TIME -> ((double[]) c)[row];
            case STRING -> ((String[]) c)[row];
        };
    }
}
