package org.drmsbatch.api;

/** A request body the API cannot use (other than a chunk, see InvalidChunkException): answered 400. */
class BadRequestException extends RuntimeException {

    BadRequestException(String message) {
        super(message);
    }
}
