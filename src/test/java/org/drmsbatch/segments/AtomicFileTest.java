package org.drmsbatch.segments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFileTest {

    @TempDir
    Path dir;

    List<String> names() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aFileWrittenInTwoHalvesHasItsNameOnlyOnceCommitted() throws IOException {
        Path target = dir.resolve("a.fits");
        Files.writeString(target, "old");

        Path temp = AtomicFile.writeTemp(target, t -> Files.writeString(t, "new content"));

        assertThat(target).hasContent("old");
        assertThat(temp.getParent()).isEqualTo(dir.toAbsolutePath());
        assertThat(temp.getFileName().toString()).startsWith(".a.fits.part-");
        AtomicFile.commit(temp, target);
        AtomicFile.forceDirectory(dir);
        assertThat(target).hasContent("new content");
        assertThat(names()).containsExactly("a.fits");
    }

    @Test
    void aWriterThatFailsLeavesNoFile() throws IOException {
        Path target = dir.resolve("b.fits");

        assertThatThrownBy(() -> AtomicFile.writeTemp(target, t -> {
            Files.writeString(t, "half");
            throw new IOException("disk full");
        })).hasMessage("disk full");

        assertThat(names()).isEmpty();
    }

    @Test
    void aCommitThatFailsLeavesNeitherTheTemporaryNorTheName() throws IOException {
        Path target = dir.resolve("missing").resolve("c.fits"); // the rename cannot happen: no such directory
        Path temp = AtomicFile.writeTemp(dir.resolve("c.fits"), t -> Files.writeString(t, "data"));

        assertThatThrownBy(() -> AtomicFile.commit(temp, target)).isInstanceOf(IOException.class);

        assertThat(names()).isEmpty();
    }

    @Test
    void writeDurablyReplacesTheFileWhole() throws IOException {
        Path target = dir.resolve("d.fits");
        AtomicFile.writeDurably(target, t -> Files.writeString(t, "one"));
        AtomicFile.writeDurably(target, t -> Files.writeString(t, "two"));
        assertThat(target).hasContent("two");
        assertThat(names()).containsExactly("d.fits");
    }
}
