package org.drmsbatch.api;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import tools.jackson.core.JsonGenerator;

/**
 * The values of a column-major JSON answer (jsoc_info op=rs_list: one array of values per keyword, segment and
 * link), spooled to one temporary file per column as the records are read, so that memory holds one page of
 * records and a buffer per column whatever the number of records; {@link #writeArray} copies a column into the
 * answer. Values are JSON text as {@link JsocJson#text} writes it (ASCII). {@link #close()} deletes the files.
 */
final class JsonColumns implements AutoCloseable {

    private final Path directory;
    private final Path[] files;
    private final Writer[] writers;
    private final long[] counts;

    JsonColumns(int columns) {
        try {
            directory = Files.createTempDirectory("drms-jsoc-answer-");
            files = new Path[columns];
            writers = new Writer[columns];
            counts = new long[columns];
            for (int i = 0; i < columns; i++) {
                files[i] = directory.resolve(i + ".json");
                writers[i] = new BufferedWriter(Files.newBufferedWriter(files[i], StandardCharsets.US_ASCII), 4096);
            }
        } catch (IOException e) {
            close();
            throw new UncheckedIOException("Cannot make the temporary files of an answer", e);
        }
    }

    /** Appends a value (JSON text) to a column. */
    void add(int column, String json) {
        try {
            if (counts[column]++ > 0) {
                writers[column].write(',');
            }
            writers[column].write(json);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the temporary file of an answer", e);
        }
    }

    /**
     * Writes {@code [first, values of the column...]} as the value of the property just named in {@code g}
     * ({@code first} null: none).
     */
    void writeArray(JsonGenerator g, int column, String first) {
        g.writeRawValue("[");
        if (first != null) {
            g.writeRaw(first);
            if (counts[column] > 0) {
                g.writeRaw(',');
            }
        }
        try {
            writers[column].flush();
            try (Reader in = Files.newBufferedReader(files[column], StandardCharsets.US_ASCII)) {
                char[] buffer = new char[8192];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    g.writeRaw(buffer, 0, n);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the temporary file of an answer", e);
        }
        g.writeRaw(']');
    }

    @Override
    public void close() {
        if (writers != null) {
            for (Writer w : writers) {
                try {
                    if (w != null) {
                        w.close();
                    }
                } catch (IOException e) {
                    // deleted below all the same
                }
            }
        }
        if (directory == null) {
            return;
        }
        try (Stream<Path> all = Files.walk(directory)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory: nothing else to do
        }
    }
}
