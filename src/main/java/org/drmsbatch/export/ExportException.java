package org.drmsbatch.export;

import org.drmsbatch.drms.DrmsException;

/** An export that cannot be done as asked: a bad parameter, or a file name its template gives that is not allowed. */
public class ExportException extends DrmsException {

    public ExportException(String message) {
        super(message);
    }

    public ExportException(String message, Throwable cause) {
        super(message, cause);
    }
}
