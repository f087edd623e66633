package org.drmsbatch.buffer;

/** The glitchflow datastore states: chunks are stored only while OPERATIONAL. */
public enum BufferState {
    OPERATIONAL, FROZEN
}
