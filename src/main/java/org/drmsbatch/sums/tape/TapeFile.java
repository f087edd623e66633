package org.drmsbatch.sums.tape;

/**
 * A tape file: one storage unit's copy on a volume.
 *
 * @param volume     the volume's label
 * @param fileNumber its number on the volume (1, 2, ... in the order written)
 * @param position   byte offset of its first byte in the volume
 * @param bytes      its length
 * @param md5        MD5 of its bytes, hex
 */
public record TapeFile(String volume, int fileNumber, long position, long bytes, String md5) {
}
