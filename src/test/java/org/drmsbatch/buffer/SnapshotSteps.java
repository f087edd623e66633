package org.drmsbatch.buffer;

import java.util.function.Consumer;

/** Gives tests outside this package the buffer's snapshot-step hook (package-private in the library). */
public final class SnapshotSteps {

    private SnapshotSteps() {
    }

    /** {@code listener} is told each step of a snapshot ("manifest", "moved 3", "renamed", "reset"). */
    public static void listen(DataBuffer buffer, Consumer<String> listener) {
        buffer.onSnapshotStep(listener);
    }
}
