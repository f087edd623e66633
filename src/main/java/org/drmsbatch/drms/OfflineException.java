package org.drmsbatch.drms;

/**
 * A record's segment files were asked for while its storage unit is not on disk: offline (archived to tape, so it
 * can be staged back) or gone. Jobs that read segments stage their input first; anything else reading a record
 * tells the user which unit to stage.
 */
public class OfflineException extends DrmsException {

    private final long sunum;

    public OfflineException(Record record, long sunum) {
        super("Record " + record + " is offline: its storage unit " + sunum + " is not on disk (stage it from tape"
                + " with: drms run stage sunum=" + sunum + ")");
        this.sunum = sunum;
    }

    /** The storage unit that is not on disk. */
    public long sunum() {
        return sunum;
    }
}
