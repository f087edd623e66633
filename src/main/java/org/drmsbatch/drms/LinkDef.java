package org.drmsbatch.drms;

/**
 * A link to records of another series (specs/drms.md §1.4): static links hold the target's recnum, dynamic links
 * its prime-key values and resolve to the latest version.
 */
public record LinkDef(String name, String targetSeries, Type type, String description) {

    public enum Type { STATIC, DYNAMIC }

    public boolean isStatic() {
        return type == Type.STATIC;
    }
}
