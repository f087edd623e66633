package org.drmsbatch.drms.query;

import java.util.List;

/** A SQL statement and the values of its {@code ?} parameters, in order. */
public record SqlQuery(String sql, List<Object> binds) {
    public SqlQuery {
        binds = List.copyOf(binds);
    }
}
