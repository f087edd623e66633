package org.drmsbatch.buffer;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What {@link DataBuffer#open} does before the buffer is used, so that the directory is the truth after any crash:
 * removes the temporary files of interrupted chunk writes, reads {@code state.json}, finishes a snapshot that got its
 * manifest (or undoes one that did not), resets the buffer after a snapshot renamed but not yet reset, recounts the
 * chunks (noting the difference when the saved counters disagree), saves the state and logs what it did.
 */
final class Recovery {

    /** Finishes a snapshot and resets the buffer after it (what {@link DataBuffer} does at the end of a snapshot). */
    @FunctionalInterface
    interface Finish {
        void snapshot(String name) throws IOException;
    }

    private Recovery() {
    }

    static void recover(ChunkStore chunks, BufferStateMachine state, Snapshots snapshots, BufferLog log,
                        Finish finish) throws IOException {
        List<String> notes = new ArrayList<>();
        for (String name : chunks.removeUnfinished()) {
            notes.add("removed the unfinished " + name);
        }
        BufferStateMachine.Saved saved = null;
        try {
            saved = state.read();
        } catch (RuntimeException e) {
            notes.add(BufferStateMachine.STATE + " unreadable (" + e.getMessage() + "); starting OPERATIONAL");
        }
        if (saved != null) {
            state.restore(saved.status());
        }
        // snapshots: a manifest means the decision was taken; finish it. No manifest: nothing has moved; undo.
        List<String> finished = new ArrayList<>();
        for (String name : snapshots.inProgress()) {
            if (snapshots.hasManifest(name)) {
                finished.add(name);
            } else {
                snapshots.undo(name);
                notes.add("undid the snapshot " + name + " that had no manifest yet");
            }
        }
        chunks.setStats(chunks.count());
        chunks.continueNaming();
        for (String name : finished) {
            state.noteSnapshot(name); // recorded as under way or not, it has a manifest: finish it
            finish.snapshot(name);
            notes.add("finished the interrupted snapshot " + name);
        }
        String pending = state.snapshot();
        if (pending != null) {
            if (snapshots.isComplete(pending)) {
                finish.snapshot(pending); // renamed but not yet reset
                notes.add("reset the buffer after the snapshot " + pending);
            } else {
                notes.add("the snapshot " + pending + " had not started; the buffer stays FROZEN");
                state.noteSnapshot(null);
            }
        }
        BufferStats now = chunks.count();
        chunks.setStats(now);
        if (saved != null && !saved.stats().equals(now)) {
            notes.add("counters were " + saved.stats().files() + " files, " + saved.stats().bytes()
                    + " bytes; the disk holds " + now.files() + " files, " + now.bytes() + " bytes");
        }
        state.save(now);
        if (!notes.isEmpty()) {
            Map<String, Object> line = BufferLog.line("recover", "Recovered at start");
            line.put("notes", notes);
            line.put("n_itm", now.files());
            line.put("buff_size", now.bytes());
            log.append(line);
        }
    }
}
