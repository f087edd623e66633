package org.drmsbatch.config;

import java.nio.file.Path;
import java.sql.Connection;

/** A second process on the same home, for {@link EmbeddedDatabaseTest}: connects, reports, waits for stdin EOF. */
public final class EmbeddedDatabaseChild {

    public static void main(String[] args) throws Exception {
        EmbeddedDatabase db = EmbeddedDatabase.open(Path.of(args[0]), "drms");
        try (Connection c = EmbeddedDatabaseTest.connect(db)) {
            int v = EmbeddedDatabaseTest.query(db, "SELECT v FROM shared");
            System.out.println("CHILD owner=" + db.owner() + " port=" + db.port() + " value=" + v);
            System.out.flush();
            while (System.in.read() >= 0) {
                // hold the connection until the test closes our stdin
            }
        }
        db.close();
    }
}
