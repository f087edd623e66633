package org.drmsbatch.jobs.ingest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import nom.tam.fits.HeaderCard;
import org.drmsbatch.drms.Converted;
import org.drmsbatch.drms.KeywordDef;
import org.drmsbatch.drms.KeywordValues;
import org.drmsbatch.drms.SegmentDef;
import org.drmsbatch.drms.SeriesDefinition;
import org.drmsbatch.drms.types.Protocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.item.ItemStreamException;
import org.springframework.batch.infrastructure.item.ItemStreamReader;

/**
 * Reads the inbox's complete FITS files, by name, as {@link InboxFile}s: header keywords matching the series'
 * keywords (by name, case-insensitively; FITS reserved cards skipped) converted to their types, every prime key
 * required. The list is fixed when the step opens the reader (after {@link IngestLedger#finish}); files arriving later
 * are left for the next run. An incomplete file (still being written) is left in place for a later run. A file that
 * is not a FITS image the series can take is moved to {@code <inbox>/rejected/} with a {@code .reason} and reported
 * as a {@link RejectedFileException} (a skip). The reader keeps no position: ingested files leave the inbox at each
 * commit, so a restart lists what is left.
 */
public class InboxReader implements ItemStreamReader<InboxFile> {

    private static final Logger log = LoggerFactory.getLogger(InboxReader.class);

    private final Inbox inbox;
    private final SeriesDefinition series;
    private final SegmentDef segment;
    private final IngestLedger ledger;
    private List<Path> files = List.of();
    private int next;
    private int incomplete;

    InboxReader(Inbox inbox, SeriesDefinition series, SegmentDef segment, IngestLedger ledger) {
        this.inbox = inbox;
        this.series = series;
        this.segment = segment;
        this.ledger = ledger;
    }

    @Override
    public void open(ExecutionContext context) {
        try {
            int finished = ledger.finish(inbox.directory());
            if (finished > 0) {
                log.info("ingest: deleted {} file(s) of {} ingested by an earlier run", finished, inbox.directory());
            }
            files = inbox.candidates();
        } catch (IOException e) {
            throw new ItemStreamException("cannot list the inbox " + inbox.directory() + ": " + e.getMessage(), e);
        }
        next = 0;
        incomplete = 0;
    }

    @Override
    public InboxFile read() {
        while (next < files.size()) {
            Path f = files.get(next++);
            InboxFile file;
            try {
                file = take(f);
            } catch (NoSuchFileException gone) {
                continue;
            } catch (IOException e) {
                throw reject(f, "cannot read: " + e.getMessage());
            } catch (FitsHeader.Malformed e) {
                throw reject(f, e.getMessage());
            }
            if (file != null) {
                return file;
            }
            incomplete++;
            log.info("ingest: {} is not complete yet, left for a later run", f);
        }
        return null;
    }

    /** How many listed files were left in place as incomplete. */
    int incomplete() {
        return incomplete;
    }

    /** The file as an item, or null when it is not complete. */
    private InboxFile take(Path f) throws IOException, FitsHeader.Malformed {
        BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (a.isSymbolicLink()) {
            throw new FitsHeader.Malformed("a symbolic link (to " + Files.readSymbolicLink(f)
                    + "): only regular files in the inbox are taken, a link may lead out of it");
        }
        if (!a.isRegularFile()) {
            throw new FitsHeader.Malformed("not a regular file");
        }
        FitsHeader h = FitsHeader.read(f);
        if (!h.complete()) {
            return null;
        }
        BasicFileAttributes after = Files.readAttributes(f, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (after.size() != a.size() || !after.lastModifiedTime().equals(a.lastModifiedTime())) {
            return null; // changed while read: still being written
        }
        if (segment.protocol() == Protocol.FITS && segment.scope() != SegmentDef.Scope.VARDIM
                && !java.util.Arrays.equals(h.dims(), segment.dims().stream().mapToInt(Integer::intValue).toArray())) {
            throw new FitsHeader.Malformed("the image has axes " + java.util.Arrays.toString(h.dims())
                    + ", segment '" + segment.name() + "' of " + series.name() + " has " + segment.dims());
        }
        if (segment.protocol() == Protocol.FITS && segment.scope() == SegmentDef.Scope.VARDIM
                && h.dims().length != segment.naxis()) {
            throw new FitsHeader.Malformed("the image has " + h.dims().length + " axes, segment '" + segment.name()
                    + "' of " + series.name() + " has " + segment.naxis());
        }
        return new InboxFile(f, a.size(), a.lastModifiedTime().toMillis(), keywords(h), h.dims(), h.bzero(),
                h.bscale());
    }

    /** The header's values of the series' settable keywords, converted; every prime key must be there. */
    Map<String, Object> keywords(FitsHeader h) throws FitsHeader.Malformed {
        Map<String, Object> values = new LinkedHashMap<>();
        String implicitPrefix = segment.name().toLowerCase(Locale.ROOT) + "_";
        for (KeywordDef k : series.keywords()) {
            if (k.isConstant() || k.isIndex() || k.isLink()) {
                continue;
            }
            String lower = k.name().toLowerCase(Locale.ROOT);
            if (lower.equals(implicitPrefix + "bzero") || lower.equals(implicitPrefix + "bscale")) {
                continue; // set from the file's BZERO and BSCALE
            }
            String key = k.name().toUpperCase(Locale.ROOT);
            if (FitsHeader.reserved(key)) {
                continue;
            }
            HeaderCard c = h.cards().get(key);
            if (c == null) {
                continue;
            }
            String text = c.getValue();
            if (!c.isStringValue() && text != null && (c.isDecimalType() || c.isIntegerType())) {
                text = text.trim().replace('D', 'E').replace('d', 'e');
            }
            Converted v = KeywordValues.parse(text, k.type());
            if (!v.status().ok()) {
                throw new FitsHeader.Malformed("keyword " + key + " = '" + (text == null ? "" : text.trim())
                        + "' is not a " + k.type().name().toLowerCase(Locale.ROOT) + " (" + v.status() + ")");
            }
            values.put(k.name(), v.value());
        }
        for (String pk : series.primeKeys()) {
            if (!values.containsKey(pk) && values.keySet().stream().noneMatch(n -> n.equalsIgnoreCase(pk))) {
                throw new FitsHeader.Malformed("the header has no value for prime key " + pk + " of " + series.name());
            }
        }
        return values;
    }

    private RejectedFileException reject(Path f, String reason) {
        try {
            Path moved = inbox.reject(f, reason);
            log.warn("ingest: rejected {} (moved to {}): {}", f, moved, reason);
        } catch (NoSuchFileException gone) {
            // taken away meanwhile: still a skip
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move " + f + " to " + inbox.rejectedDirectory(), e);
        }
        return new RejectedFileException(f.getFileName().toString(), reason);
    }

    @Override
    public void update(ExecutionContext context) {
    }

    @Override
    public void close() {
    }
}
