package org.drmsbatch.drms;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A series as its JSD file defines it (specs/drms.md §1.2): series information, keywords in rank order (the
 * parser's implicit keywords included, flagged {@link KeywordDef#implicit()}), links and segments.
 *
 * @param name             {@code namespace.name} as written
 * @param primeKeys        external prime keys in order (slotted keys by their own name)
 * @param dbIndex          keywords to index as written in {@code DBIndex:}, external names
 * @param retention        new-SU retention in days
 * @param stagingRetention staged-SU retention in days (0 = site default)
 * @param archive          -1, 0 or 1
 */
public record SeriesDefinition(String name, String author, String owner, int unitSize, int archive, int retention,
                               int stagingRetention, int tapeGroup, List<String> primeKeys, List<String> dbIndex,
                               String description, String version, boolean createShadow,
                               List<KeywordDef> keywords, List<LinkDef> links, List<SegmentDef> segments) {

    public SeriesDefinition {
        primeKeys = List.copyOf(primeKeys);
        dbIndex = List.copyOf(dbIndex);
        keywords = List.copyOf(keywords);
        links = List.copyOf(links);
        segments = List.copyOf(segments);
    }

    /** The namespace (PostgreSQL schema): the part before the first dot, lower-cased. */
    public String namespace() {
        int dot = name.indexOf('.');
        return name.substring(0, dot).toLowerCase(Locale.ROOT);
    }

    /** The table name inside the namespace, lower-cased. */
    public String tableName() {
        int dot = name.indexOf('.');
        return name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    public Optional<KeywordDef> keyword(String keyName) {
        for (KeywordDef k : keywords) {
            if (k.name().equalsIgnoreCase(keyName)) {
                return Optional.of(k);
            }
        }
        return Optional.empty();
    }

    public Optional<SegmentDef> segment(String segName) {
        for (SegmentDef s : segments) {
            if (s.name().equalsIgnoreCase(segName)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    public Optional<LinkDef> link(String linkName) {
        for (LinkDef l : links) {
            if (l.name().equalsIgnoreCase(linkName)) {
                return Optional.of(l);
            }
        }
        return Optional.empty();
    }

    /** The prime keys as stored: a slotted key is replaced by its {@code _index} keyword. */
    public List<KeywordDef> internalPrimeKeys() {
        List<KeywordDef> out = new ArrayList<>();
        for (String pk : primeKeys) {
            KeywordDef k = keyword(pk).orElseThrow();
            out.add(k.isSlotted() ? keyword(k.name() + "_index").orElseThrow() : k);
        }
        return out;
    }

    /** Keywords a user sees and a JSD prints: neither implicit nor index. */
    public List<KeywordDef> explicitKeywords() {
        return keywords.stream().filter(k -> !k.implicit()).toList();
    }

    /** Keywords that are columns of the series table, in rank order. */
    public List<KeywordDef> columnKeywords() {
        return keywords.stream().filter(KeywordDef::isColumn).toList();
    }

    /** Whether records of this series own storage units (any non-link segment). */
    public boolean hasStorage() {
        return segments.stream().anyMatch(s -> !s.isLink());
    }

    /** A copy under another name (used by clone-into-new-series and create-series name=...). */
    public SeriesDefinition withName(String newName) {
        return new SeriesDefinition(newName, author, owner, unitSize, archive, retention, stagingRetention, tapeGroup,
                primeKeys, dbIndex, description, version, createShadow, keywords, links, segments);
    }
}
