package org.drmsbatch.drms.query;

/**
 * The {@code #} forms: in a record-number filter {@code [:#...]} they are record numbers; on a prime key they are
 * indexes (slot numbers of a slotted key, or N·step + base of other keys).
 */
public sealed interface IndexRange permits IndexRange.Single, IndexRange.Between, IndexRange.Span,
        IndexRange.First, IndexRange.Last {

    /** {@code #N}. */
    record Single(long n) implements IndexRange {
        @Override
        public String toString() {
            return "#" + n;
        }
    }

    /**
     * {@code #N-#M[@K]}, with either end open ({@code #N-#}, {@code #-#M}, {@code #-#}): null means open.
     * {@code step} is null when there is no {@code @K}.
     */
    record Between(Long from, Long to, Long step) implements IndexRange {
        @Override
        public String toString() {
            return "#" + (from == null ? "" : from) + "-#" + (to == null ? "" : to) + (step == null ? "" : "@" + step);
        }
    }

    /** {@code #N/C[@K]}: C consecutive numbers from N. */
    record Span(long from, long count, Long step) implements IndexRange {
        @Override
        public String toString() {
            return "#" + from + "/" + count + (step == null ? "" : "@" + step);
        }
    }

    /** {@code #^}: the smallest. */
    record First() implements IndexRange {
        @Override
        public String toString() {
            return "#^";
        }
    }

    /** {@code #$}: the largest. */
    record Last() implements IndexRange {
        @Override
        public String toString() {
            return "#$";
        }
    }
}
