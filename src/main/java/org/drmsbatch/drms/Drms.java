package org.drmsbatch.drms;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import javax.sql.DataSource;

import org.drmsbatch.drms.types.SegmentStorage;
import org.drmsbatch.sums.Sums;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The catalog's entry point: series (create, describe, list, delete) and sessions. One PostgreSQL database holds
 * the catalog, SUMS and the job repository, so one transaction manager covers a session; a session joins the
 * transaction that is running (a Spring Batch chunk) or {@link #inSession} starts one. Records read and write
 * their segment files through the {@link SegmentStorage} it is given.
 */
public class Drms {

    private final DataSource dataSource;
    private final DataSource sideDataSource;
    private final PlatformTransactionManager transactions;
    private final Sums sums;
    private final SeriesCatalog catalog = new SeriesCatalog();
    private final SegmentStorage segmentStorage;
    private final String sessionNamespace;
    private final int defaultRetention;
    private final Map<SeriesDefinition, SeriesLayout> layouts = new ConcurrentHashMap<>();
    private final Map<SeriesDefinition, RecordTable> tables = new ConcurrentHashMap<>();
    /**
     * The definitions last read from the catalog, by key: what a session may use without reading it again when
     * the statement that depends on it also checks that the stored text is still the same
     * ({@link DrmsSession#deferDefinitionChecks}).
     */
    private final Map<String, SeriesCatalog.Stored> lastRead = new ConcurrentHashMap<>();
    public Drms(DataSource dataSource, PlatformTransactionManager transactions, Sums sums,
                SegmentStorage segmentStorage, String sessionNamespace, int defaultRetention) {
        this(dataSource, dataSource, transactions, sums, segmentStorage, sessionNamespace, defaultRetention);
    }

    /**
     * @param sideDataSource connections for autocommit bookkeeping next to a session's transaction; a pool of
     *                       its own in production (see {@link #sideConnection()})
     * @param segmentStorage reads and writes the records' segment files (the segment file formats)
     */
    public Drms(DataSource dataSource, DataSource sideDataSource, PlatformTransactionManager transactions, Sums sums,
                SegmentStorage segmentStorage, String sessionNamespace, int defaultRetention) {
        this.dataSource = dataSource;
        this.sideDataSource = sideDataSource;
        this.transactions = transactions;
        this.sums = sums;
        this.segmentStorage = segmentStorage;
        this.sessionNamespace = sessionNamespace;
        this.defaultRetention = defaultRetention;
    }

    // ---- sessions ----

    /**
     * Runs {@code work} in a session: in the current transaction when one is active, else in a new one that
     * commits when {@code work} returns and rolls back (deleting the session's new directories) when it throws.
     */
    public <T> T inSession(Function<DrmsSession, T> work) {
        return new TransactionTemplate(transactions).execute(status -> work.apply(session()));
    }

    /** Runs {@code work} in a read-only transaction. */
    public <T> T read(Function<DrmsSession, T> work) {
        TransactionTemplate t = new TransactionTemplate(transactions);
        t.setReadOnly(true);
        t.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRED);
        return t.execute(status -> work.apply(session()));
    }

    /**
     * Runs {@code work} in the current transaction when one is active; else in a session on a connection in
     * autocommit, where each round trip to the server (a statement, or statements sent together with one Sync) is
     * a transaction of its own: no BEGIN and no COMMIT round trip. For reads that send, with each statement, the
     * settings it runs under (see drms.query's CatalogReads).
     */
    public <T> T readEachStatement(Function<DrmsSession, T> work) {
        if (TransactionSynchronizationManager.isActualTransactionActive()) {
            return read(work);
        }
        TransactionTemplate t = new TransactionTemplate(transactions);
        t.setReadOnly(true);
        // no transaction of its own: the session's connection is bound for the work and released after it
        t.setPropagationBehavior(TransactionDefinition.PROPAGATION_SUPPORTS);
        return t.execute(status -> work.apply(session()));
    }

    /** The session of the current transaction, made on first use. */
    public DrmsSession session() {
        if (!TransactionSynchronizationManager.isSynchronizationActive()) {
            throw new IllegalStateException("A DRMS session needs an active transaction (use inSession)");
        }
        DrmsSession s = (DrmsSession) TransactionSynchronizationManager.getResource(this);
        if (s != null) {
            return s;
        }
        Connection c = DataSourceUtils.getConnection(dataSource);
        DrmsSession session = new DrmsSession(this, c);
        TransactionSynchronizationManager.bindResource(this, session);
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void beforeCommit(boolean readOnly) {
                session.beforeCommit();
            }

            @Override
            public void afterCompletion(int status) {
                TransactionSynchronizationManager.unbindResourceIfPossible(Drms.this);
                session.afterCompletion(status);
            }
        });
        return session;
    }

    // ---- series ----

    /** Creates a series (replacing an existing one and deleting its storage units when {@code replace}). */
    public SeriesDefinition createSeries(SeriesDefinition def, boolean replace) {
        return inSession(s -> {
            try {
                List<Long> old = catalog.create(s.connection(), def, replace);
                s.forget(def.name());
                s.deleteStorageUnits(old);
                forget(def.name());
                return def;
            } catch (SQLException e) {
                throw new DrmsException("Cannot create series '" + def.name() + "': " + e.getMessage(), e);
            }
        });
    }

    /** Deletes a series and its records; its storage units are deleted too unless {@code keepStorage}. */
    public void deleteSeries(String name, boolean keepStorage) {
        inSession(s -> {
            try {
                List<Long> sunums = catalog.drop(s.connection(), name);
                s.forget(name);
                if (!keepStorage) {
                    s.deleteStorageUnits(sunums);
                }
                forget(name);
                return null;
            } catch (SQLException e) {
                throw new DrmsException("Cannot delete series '" + name + "': " + e.getMessage(), e);
            }
        });
    }

    public SeriesDefinition describeSeries(String name) {
        return read(s -> definition(s.connection(), name));
    }

    public List<SeriesDefinition> listSeries(String regex) {
        return read(s -> {
            try {
                return catalog.list(s.connection(), regex);
            } catch (SQLException e) {
                throw new DrmsException("Cannot list series: " + e.getMessage(), e);
            }
        });
    }

    /** Removes storage-unit directories left by sessions that died; run at start-up. */
    public List<java.nio.file.Path> sweep() {
        return sums.sweep();
    }

    // ---- package internals ----

    SeriesDefinition definition(Connection c, String name) {
        try {
            SeriesCatalog.Stored stored = catalog.findStored(c, name)
                    .orElseThrow(() -> new DrmsException("Unknown series '" + name + "'"));
            lastRead.put(SeriesCatalog.key(name), stored);
            return stored.definition();
        } catch (SQLException e) {
            throw new DrmsException("Cannot read series '" + name + "': " + e.getMessage(), e);
        }
    }

    /** The definition of a series as this process last read it (key: {@link SeriesCatalog#key}), or null. */
    SeriesCatalog.Stored lastRead(String key) {
        return lastRead.get(key);
    }

    /** Forgets the definition last read of a series found changed since. */
    void forgetLastRead(String key) {
        lastRead.remove(key);
    }


    SeriesLayout layout(SeriesDefinition def) {
        return layouts.computeIfAbsent(def, SeriesLayout::new);
    }

    RecordTable table(SeriesDefinition def) {
        return tables.computeIfAbsent(def, d -> new RecordTable(layout(d)));
    }

    private void forget(String name) {
        lastRead.remove(SeriesCatalog.key(name));
        layouts.keySet().removeIf(d -> d.name().equalsIgnoreCase(name));
        tables.keySet().removeIf(d -> d.name().equalsIgnoreCase(name));
    }

    public DataSource dataSource() {
        return dataSource;
    }

    /**
     * An autocommit connection for the short writes that must not wait for a session's transaction (session and
     * allocation rows), from a pool of its own so that sessions holding every main connection cannot starve it.
     */
    Connection sideConnection() throws SQLException {
        Connection c = sideDataSource.getConnection();
        c.setAutoCommit(true);
        return c;
    }

    /** Reads and writes the records' segment files. */
    public SegmentStorage segmentStorage() {
        return segmentStorage;
    }

    public Sums sums() {
        return sums;
    }

    SeriesCatalog catalog() {
        return catalog;
    }

    String sessionNamespace() {
        return sessionNamespace;
    }

    int defaultRetention() {
        return defaultRetention;
    }
}
