package org.drmsbatch.jobs.rescale;

import org.drmsbatch.jobs.ParameterNames;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsException;
import org.drmsbatch.drms.types.DrmsType;
import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.JsdPrinter;
import org.drmsbatch.drms.KeywordDef;
import org.drmsbatch.drms.LinkDef;
import org.drmsbatch.drms.types.Protocol;
import org.drmsbatch.drms.RecScope;
import org.drmsbatch.drms.SegmentDef;
import org.drmsbatch.drms.SeriesDefinition;
import org.drmsbatch.drms.query.Query;
import org.drmsbatch.drms.query.RecordSet;
import org.drmsbatch.drms.query.RecordSets;
import org.drmsbatch.segments.Rescale;
import org.drmsbatch.readers.RecordSetReader;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.configuration.annotation.JobScope;
import org.springframework.batch.core.configuration.annotation.StepScope;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.parameters.InvalidJobParametersException;
import org.springframework.batch.core.job.parameters.JobParameter;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersValidator;
import org.springframework.batch.core.listener.JobExecutionListener;
import org.springframework.batch.core.partition.Partitioner;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The {@code rescale} job (JSOC's scalesegment): for every record of a record set, a clone in an output series whose
 * rescaled segments hold y = alpha&middot;x + beta ({@link Rescale}, {@link RescaledCloneWriter}).
 *
 * <p>Steps: {@value #SERIES_STEP} creates the output series from the input's definition when it does not exist
 * (with the keywords that name a clone's source); {@value #STEP} splits the record set by recnum into
 * {@code partitions} ranges run on as many threads, each a chunk-oriented step {@value #WORKER_STEP} whose chunk
 * commits are DRMS sessions: the clones of a chunk and their files become visible together or not at all. The
 * reader ({@link RecordSetReader}) reads the record set as it was when the job started (a recnum snapshot kept in
 * each partition's ExecutionContext), so clones into the same series are never read again; each partition resumes
 * after its last committed chunk on restart. In the end there is exactly one clone per input record.
 *
 * <p>Parameters (text, checked before the job starts, {@link RescaleParametersValidator}):
 * <ul>
 * <li>{@code ds} (required): the record-set query;</li>
 * <li>{@code out}: the output series (default: the input series, making new versions); created when missing;</li>
 * <li>{@code alpha} (default 1), {@code beta} (default 0);</li>
 * <li>{@code segment}: one or more segment names, comma-separated (default: the series' only array segment);</li>
 * <li>{@code integers}: {@code scale} (default: the clone's bzero/bscale are chosen so the values fit),
 *     {@code keep} (the series' bzero/bscale; values that do not fit become MISSING, counted) or {@code float}
 *     (a created output series gets floating segments);</li>
 * <li>{@code chunkSize} (records per commit, default 10), {@code partitions} (1..8, default 1);</li>
 * <li>{@code run}: any text, to run the same rescale again as a new job instance;</li>
 * <li>for tests, non-identifying: {@code failAt} (the record of a partition whose clone fails), {@code delay}
 *     (milliseconds per record).</li>
 * </ul>
 * The job's ExecutionContext ends with {@value #CLONES}, {@value #OUT_OF_RANGE} and {@value #VALUES}; its exit
 * description says them too.
 */
@Configuration(proxyBeanMethods = false)
public class RescaleJobConfiguration {

    public static final String JOB = "rescale";
    public static final String SERIES_STEP = "rescaleSeries";
    public static final String STEP = "rescaleStep";
    public static final String WORKER_STEP = "rescaleWorker";
    public static final String READER = "rescaleReader";
    public static final String CLONES = "rescale.clones";
    public static final String OUT_OF_RANGE = RescaledCloneWriter.OUT_OF_RANGE;
    public static final String VALUES = RescaledCloneWriter.VALUES;
    static final String FROM = "rescale.from";
    static final String TO = "rescale.to";
    public static final int MAX_PARTITIONS = 8;

    static final Set<String> KNOWN = Set.of("ds", "out", "alpha", "beta", "segment", "integers", "chunkSize",
            "partitions", "run", "failAt", "delay");
    private static final ParameterNames NAMES = ParameterNames.of(List.of(), List.copyOf(KNOWN));

    /** The parameters of one rescale, resolved against the catalog. */
    public record Parameters(String ds, Query query, SeriesDefinition input, String out, boolean outExists,
                             double alpha, double beta, List<String> segments, Rescale.Integers integers,
                             int chunkSize, int partitions, long failAt, long delay) {

        public Rescale rescale() {
            return new Rescale(alpha, beta, integers);
        }

        /**
         * Reads and checks text parameters; every problem is an {@link IllegalArgumentException} saying which
         * parameter and why.
         */
        public static Parameters of(Map<String, String> p, Drms drms) {
            String ds = p.get("ds");
            if (ds == null || ds.isBlank()) {
                throw new IllegalArgumentException("ds (the record set to rescale) is required");
            }
            Query query;
            try {
                query = new RecordSets(drms).parseWithoutFiles(ds);
            } catch (DrmsException e) {
                throw new IllegalArgumentException("ds: " + e.getMessage(), e);
            }
            SeriesDefinition input = drms.describeSeries(query.sets().get(0).series());
            List<SeriesDefinition> inputs = new ArrayList<>();
            for (RecordSet rs : query.sets()) {
                inputs.add(drms.describeSeries(rs.series()));
            }
            String out = p.get("out");
            if (out == null || out.isBlank()) {
                if (inputs.stream().anyMatch(d -> !d.name().equalsIgnoreCase(input.name()))) {
                    throw new IllegalArgumentException("ds spans several series: name the output series (out=)");
                }
                out = input.name();
            }
            out = out.trim();
            if (!out.matches("[A-Za-z_][A-Za-z0-9_]*\\.[A-Za-z_][A-Za-z0-9_]*") || out.length() > 64) {
                throw new IllegalArgumentException("out: '" + out + "' is not a series name (namespace.name, at most"
                        + " 64 characters)");
            }
            double alpha = number(p, "alpha", 1);
            double beta = number(p, "beta", 0);
            Rescale.Integers integers;
            try {
                integers = Rescale.Integers.parse(p.getOrDefault("integers", "scale"));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("integers: " + e.getMessage(), e);
            }
            List<String> segments = segments(p.get("segment"), input);
            for (SeriesDefinition in : inputs) {
                for (String seg : segments) {
                    checkRescalable(in, seg, "input");
                }
            }
            // looked up without an exception: a failed lookup inside a step's transaction would mark it rollback-only
            SeriesDefinition existing = drms.listSeries("^" + Pattern.quote(out) + "$").stream().findFirst()
                    .orElse(null);
            if (existing != null) {
                for (String seg : segments) {
                    SegmentDef s = checkRescalable(existing, seg, "output");
                    if (integers == Rescale.Integers.FLOAT && !s.type().isFloating()) {
                        throw new IllegalArgumentException("integers=float, but segment '" + s.name()
                                + "' of the existing output series " + existing.name() + " is "
                                + s.type().name().toLowerCase(Locale.ROOT) + "; name a new output series (out=)");
                    }
                }
                boolean named = RescaledCloneWriter.settable(existing, RescaledCloneWriter.SOURCE_RECNUM)
                        || RescaledCloneWriter.settable(existing, RescaledCloneWriter.HISTORY)
                        || existing.links().stream().anyMatch(l -> l.isStatic()
                                && inputs.stream().allMatch(d -> d.name().equalsIgnoreCase(l.targetSeries())));
                if (!named) {
                    throw new IllegalArgumentException("the output series " + existing.name() + " has no "
                            + RescaledCloneWriter.SOURCE_RECNUM + " or " + RescaledCloneWriter.HISTORY
                            + " keyword, nor a static link to the input series, to name a clone's source; name a new"
                            + " output series (out=), which the job creates with them");
                }
            }
            int chunkSize = (int) integer(p, "chunkSize", 10, 1, 10_000);
            int partitions = (int) integer(p, "partitions", 1, 1, MAX_PARTITIONS);
            long failAt = integer(p, "failAt", 0, 0, Long.MAX_VALUE);
            long delay = integer(p, "delay", 0, 0, 60_000);
            return new Parameters(ds, query, input, existing != null ? existing.name() : out, existing != null, alpha,
                    beta, segments, integers, chunkSize, partitions, failAt, delay);
        }

        private static List<String> segments(String text, SeriesDefinition input) {
            if (text == null || text.isBlank()) {
                List<SegmentDef> arrays = input.segments().stream()
                        .filter(s -> !s.isLink() && s.protocol() != Protocol.GENERIC).toList();
                if (arrays.size() != 1) {
                    throw new IllegalArgumentException("segment: name the segment(s) to rescale; " + input.name()
                            + " has " + (arrays.isEmpty() ? "no array segment"
                            : "the array segments " + arrays.stream().map(SegmentDef::name).toList()));
                }
                return List.of(arrays.get(0).name());
            }
            List<String> out = new ArrayList<>();
            for (String s : text.split(",")) {
                String name = s.trim();
                if (name.isEmpty()) {
                    throw new IllegalArgumentException("segment: empty name in '" + text + "'");
                }
                if (out.stream().anyMatch(name::equalsIgnoreCase)) {
                    throw new IllegalArgumentException("segment: '" + name + "' named twice");
                }
                out.add(input.segment(name).map(SegmentDef::name).orElse(name));
            }
            return out;
        }

        private static SegmentDef checkRescalable(SeriesDefinition def, String seg, String role) {
            SegmentDef s = def.segment(seg).orElseThrow(() -> new IllegalArgumentException("segment: the " + role
                    + " series " + def.name() + " has no segment '" + seg + "' (it has "
                    + def.segments().stream().map(SegmentDef::name).toList() + ")"));
            if (s.isLink()) {
                throw new IllegalArgumentException("segment: '" + seg + "' of " + def.name()
                        + " is a linked segment; rescale its target series instead");
            }
            if (s.protocol() == Protocol.GENERIC || s.protocol() == Protocol.TAS) {
                throw new IllegalArgumentException("segment: '" + seg + "' of " + def.name() + " is stored as "
                        + s.protocol().jsdName() + ", not as an array this job can rescale");
            }
            if (s.type() == DrmsType.STRING || s.type() == DrmsType.TIME) {
                throw new IllegalArgumentException("segment: '" + seg + "' of " + def.name() + " holds "
                        + s.type().name().toLowerCase(Locale.ROOT) + " values, which cannot be rescaled");
            }
            return s;
        }

        private static double number(Map<String, String> p, String name, double dflt) {
            String v = p.get(name);
            if (v == null || v.isBlank()) {
                return dflt;
            }
            try {
                double d = Double.parseDouble(v.trim());
                if (!Double.isFinite(d)) {
                    throw new NumberFormatException();
                }
                return d;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + ": '" + v + "' is not a finite number");
            }
        }

        private static long integer(Map<String, String> p, String name, long dflt, long min, long max) {
            String v = p.get(name);
            if (v == null || v.isBlank()) {
                return dflt;
            }
            long n;
            try {
                n = Long.parseLong(v.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + ": '" + v + "' is not a whole number");
            }
            if (n < min || n > max) {
                throw new IllegalArgumentException(name + ": " + n + " is outside " + min + ".." + max);
            }
            return n;
        }

        static Parameters of(JobParameters params, Drms drms) {
            Map<String, String> text = new LinkedHashMap<>();
            for (JobParameter<?> jp : params) {
                text.put(jp.name(), String.valueOf(jp.value()));
            }
            return of(text, drms);
        }

        /** From the values of {@code #{jobParameters}}. */
        static Parameters fromValues(Map<String, Object> params, Drms drms) {
            Map<String, String> text = new LinkedHashMap<>();
            params.forEach((k, v) -> text.put(k, String.valueOf(v)));
            return of(text, drms);
        }
    }

    /** Refuses bad parameters before the job starts, with the reason. */
    public static final class RescaleParametersValidator implements JobParametersValidator {
        private final Drms drms;

        RescaleParametersValidator(Drms drms) {
            this.drms = drms;
        }

        @Override
        public void validate(JobParameters parameters) throws InvalidJobParametersException {
            NAMES.validate(parameters);
            try {
                Parameters.of(parameters, drms);
            } catch (IllegalArgumentException | DrmsException e) {
                throw new InvalidJobParametersException(e.getMessage());
            }
        }
    }

    /** The keywords a created output series gets so that each clone names its source and its job. */
    static List<KeywordDef> provenanceKeywords() {
        return List.of(
                new KeywordDef(RescaledCloneWriter.SOURCE_SERIES, DrmsType.STRING, RecScope.VARIABLE, false, "", "%s",
                        "none", "Series of the record this one was rescaled from", null, null, false),
                new KeywordDef(RescaledCloneWriter.SOURCE_RECNUM, DrmsType.LONGLONG, RecScope.VARIABLE, false,
                        "DRMS_MISSING_VALUE", "%lld", "none", "Record number of the record this one was rescaled from",
                        null, null, false),
                new KeywordDef(RescaledCloneWriter.JOB_EXECUTION, DrmsType.LONGLONG, RecScope.VARIABLE, false,
                        "DRMS_MISSING_VALUE", "%lld", "none", "Job execution that made this record", null, null,
                        false),
                new KeywordDef(RescaledCloneWriter.HISTORY, DrmsType.STRING, RecScope.VARIABLE, false, "", "%s",
                        "none", "Processing history", null, null, false));
    }

    /**
     * The definition of a new output series: the input's, renamed, with the provenance keywords it lacks, and, for
     * {@code integers=float}, the rescaled integer segments made float (compressed losslessly with GZIP when the
     * input was compressed, since Rice quantises floating values). Printed as JSD and parsed again, so the implicit
     * keywords follow the new segments.
     */
    public static SeriesDefinition outputDefinition(SeriesDefinition input, String name, List<String> segments,
            Rescale.Integers integers) {
        List<KeywordDef> keywords = new ArrayList<>(input.explicitKeywords());
        for (KeywordDef k : provenanceKeywords()) {
            if (input.keyword(k.name()).isEmpty()) {
                keywords.add(k);
            }
        }
        List<SegmentDef> segs = new ArrayList<>();
        for (SegmentDef s : input.segments()) {
            boolean rescaled = segments.stream().anyMatch(s.name()::equalsIgnoreCase);
            if (rescaled && integers == Rescale.Integers.FLOAT && s.type().isInteger()) {
                String cparms = s.compressed() || s.protocol() == Protocol.FITZ ? "compress GZIP" : s.cparms();
                segs.add(new SegmentDef(s.name(), s.segnum(), s.scope(), DrmsType.FLOAT, s.dims(), s.unit(),
                        s.protocol(), cparms, 0, 1, s.description(), null, null));
            } else {
                segs.add(s);
            }
        }
        List<LinkDef> links = input.links();
        SeriesDefinition def = new SeriesDefinition(name, input.author(), input.owner(), input.unitSize(),
                input.archive(), input.retention(), input.stagingRetention(), input.tapeGroup(), input.primeKeys(),
                input.dbIndex(), input.description(), input.version(), input.createShadow(), keywords, links, segs);
        return new JsdParser().parse(name + ".jsd", new JsdPrinter().print(def));
    }

    @Bean
    @JobScope
    Step rescaleSeriesStep(JobRepository repository, PlatformTransactionManager transactionManager, Drms drms,
            @Value("#{jobParameters}") Map<String, Object> jobParameters) {
        Tasklet createOutput = (contribution, chunkContext) -> {
            Parameters p = Parameters.fromValues(jobParameters, drms);
            if (!p.outExists()) {
                // in the step's transaction: the series exists once this step has committed
                drms.createSeries(outputDefinition(p.input(), p.out(), p.segments(), p.integers()), false);
                contribution.getStepExecution().getExecutionContext().putString("rescale.created", p.out());
            }
            return RepeatStatus.FINISHED;
        };
        return new StepBuilder(SERIES_STEP, repository).tasklet(createOutput, transactionManager).build();
    }

    /**
     * Splits the record set's recnum span into {@code partitions} ranges of equal width, and gives each partition
     * the snapshot bounds (the largest recnum of each record set's series now) for its reader.
     */
    static Partitioner partitioner(Drms drms, Parameters p) {
        return gridSize -> {
            RecordSets sets = new RecordSets(drms);
            long[] span = sets.recnumSpan(p.query());
            List<String> bounds = new ArrayList<>();
            for (int i = 0; i < p.query().sets().size(); i++) {
                bounds.add(Long.toString(sets.maxRecnum(p.query(), i)));
            }
            int n = p.partitions();
            long width = span[0] > span[1] ? 0 : (span[1] - span[0]) / n + 1;
            Map<String, ExecutionContext> out = new HashMap<>();
            for (int i = 0; i < n; i++) {
                ExecutionContext c = new ExecutionContext();
                long from = span[0] + i * width;
                long to = i == n - 1 ? span[1] : Math.min(span[1], from + width - 1);
                c.putLong(FROM, from);
                c.putLong(TO, to);
                c.putString(READER + ".bounds", String.join(",", bounds));
                out.put("partition" + i, c);
            }
            return out;
        };
    }

    @Bean
    @StepScope
    RecordSetReader rescaleReader(Drms drms, @Value("#{jobParameters}") Map<String, Object> jobParameters,
            @Value("#{stepExecutionContext['" + FROM + "']}") Long from,
            @Value("#{stepExecutionContext['" + TO + "']}") Long to) {
        Parameters p = Parameters.fromValues(jobParameters, drms);
        RecordSetReader reader = new RecordSetReader(drms, p.ds(), p.chunkSize(), from == null ? 1 : from,
                to == null ? Long.MAX_VALUE : to);
        reader.setName(READER);
        return reader;
    }

    @Bean
    @StepScope
    RescaledCloneWriter rescaleWriter(Drms drms, @Value("#{jobParameters}") Map<String, Object> jobParameters,
            @Value("#{stepExecution.jobExecutionId}") Long jobExecutionId) {
        Parameters p = Parameters.fromValues(jobParameters, drms);
        return new RescaledCloneWriter(drms, p.out(), p.segments(), p.rescale(), jobExecutionId, p.failAt(),
                p.delay());
    }

    /**
     * The partitioned step. The worker step is built here, in the job's thread, rather than as a job-scoped bean:
     * the partitions run on threads where the job scope is not active; its reader and writer are step-scoped, one
     * per partition.
     */
    @Bean
    @JobScope
    Step rescaleStep(JobRepository repository, PlatformTransactionManager transactionManager, Drms drms,
            RecordSetReader rescaleReader, RescaledCloneWriter rescaleWriter,
            @Value("#{jobParameters}") Map<String, Object> jobParameters) {
        Parameters p = Parameters.fromValues(jobParameters, drms);
        Step worker = new StepBuilder(WORKER_STEP, repository)
                .<org.drmsbatch.drms.Record, org.drmsbatch.drms.Record>chunk(p.chunkSize())
                .transactionManager(transactionManager)
                .reader(rescaleReader)
                .writer(rescaleWriter)
                .build();
        SimpleAsyncTaskExecutor threads = new SimpleAsyncTaskExecutor("rescale-");
        threads.setConcurrencyLimit(p.partitions());
        return new StepBuilder(STEP, repository)
                .partitioner(WORKER_STEP, partitioner(drms, p))
                .step(worker)
                .gridSize(p.partitions())
                .taskExecutor(threads)
                .build();
    }

    /**
     * Sums the partitions' counts into the job's ExecutionContext and exit description; a failed job's exit
     * description also says why its partitions failed (the partition handler only says that one did).
     */
    static JobExecutionListener totals(JobRepository repository) {
        return new JobExecutionListener() {
            @Override
            public void afterJob(JobExecution job) {
                long clones = 0;
                long outOfRange = 0;
                long values = 0;
                List<String> failures = new ArrayList<>();
                for (StepExecution s : job.getStepExecutions()) {
                    if (s.getStepName().startsWith(WORKER_STEP + ":")) {
                        clones += s.getWriteCount();
                        outOfRange += s.getExecutionContext().getLong(OUT_OF_RANGE, 0L);
                        values += s.getExecutionContext().getLong(VALUES, 0L);
                        for (Throwable t : s.getFailureExceptions()) {
                            failures.add(s.getStepName() + ": " + rootMessage(t));
                        }
                    }
                }
                job.getExecutionContext().putLong(CLONES, clones);
                job.getExecutionContext().putLong(OUT_OF_RANGE, outOfRange);
                job.getExecutionContext().putLong(VALUES, values);
                repository.updateExecutionContext(job);
                String text = clones + " clones made in this execution, " + values + " values rescaled"
                        + (outOfRange > 0 ? ", " + outOfRange + " out of range of the output type stored as MISSING"
                        : "");
                if (!failures.isEmpty()) {
                    text = String.join("; ", failures) + " (" + text + ")";
                }
                // first, so that the repository's cut of long descriptions keeps it
                ExitStatus exit = job.getExitStatus();
                job.setExitStatus(new ExitStatus(exit.getExitCode(), text).addExitDescription(exit.getExitDescription()));
            }
        };
    }

    private static String rootMessage(Throwable t) {
        String message = t.toString();
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c.getMessage() != null) {
                message = c.getClass().getSimpleName() + ": " + c.getMessage();
            }
        }
        return message;
    }

    @Bean
    Job rescaleJob(JobRepository repository, Step rescaleSeriesStep, Step rescaleStep, Drms drms) {
        return new JobBuilder(JOB, repository).validator(new RescaleParametersValidator(drms))
                .start(rescaleSeriesStep).next(rescaleStep).listener(totals(repository)).build();
    }
}
