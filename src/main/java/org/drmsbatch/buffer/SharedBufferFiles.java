package org.drmsbatch.buffer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * The chunk files of a buffer another process owns, read where they are without opening the buffer (no lock, no
 * recovery, no counters, no log): what a collect worker of the cluster reads its slice through. A rejection moves
 * the file and writes its reason as the owner would; the owner counts and logs it when the manager tells it
 * ({@link DataBuffer#rejectedElsewhere}). Whoever lists the files must hold them in place meanwhile
 * ({@link DataBuffer#hold}, in the owner's process).
 */
final class SharedBufferFiles implements BufferFiles {

    private final Path directory;
    private final ChunkStore chunks;

    SharedBufferFiles(Path directory) {
        this.directory = directory;
        this.chunks = new ChunkStore(directory);
    }

    @Override
    public Path dataDirectory() {
        return chunks.directory();
    }

    @Override
    public Path rejectedDirectory() {
        return directory.resolve(DataBuffer.REJECTED);
    }

    @Override
    public List<String> fileNames() throws IOException {
        return chunks.files().stream().map(p -> p.getFileName().toString()).toList();
    }

    @Override
    public Chunk read(String name) throws IOException {
        return ChunkParser.parse(chunks.bytes(name));
    }

    @Override
    public double t0(String name) throws IOException {
        return chunks.t0(name);
    }

    @Override
    public Path reject(String name, String reason) throws IOException {
        ChunkStore.requireChunkName(name);
        Path source = chunks.directory().resolve(name);
        if (!Files.exists(source)) {
            return null;
        }
        Path dir = rejectedDirectory();
        DataBuffer.writeReason(dir, name, reason);
        Path target = dir.resolve(name);
        try {
            Files.move(source, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (java.nio.file.NoSuchFileException e) {
            return null; // moved away meanwhile
        }
        DurableFiles.forceDirectory(chunks.directory());
        DurableFiles.forceDirectory(dir);
        return target;
    }

    @Override
    public String toString() {
        return "the data buffer's files in " + directory + " (owned by another process)";
    }
}
