package org.drmsbatch.jobs;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import org.drmsbatch.drms.DrmsException;
import org.springframework.batch.core.job.JobExecution;
import org.springframework.batch.core.job.parameters.InvalidJobParametersException;
import org.springframework.batch.core.job.parameters.JobParameter;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersValidator;
import org.springframework.batch.core.listener.JobExecutionListener;

/**
 * A job's parameters parsed into the job's typed record ({@code CollectParameters}, {@code RescaleParameters}, ...)
 * once per launch. It is the job's validator: the launch's check ({@code JobControl}'s, then Spring Batch's launcher
 * and job, which validate the same {@link JobParameters} object again) parses the text once and refuses bad values
 * with the reason; the job's step beans then take the parsed record with {@link #of}, on any thread, partitions
 * included, instead of parsing the text again.
 *
 * <p>A launch is known by its {@link JobParameters} object: the one a launcher is given is the one its execution and
 * steps carry. A restart is a new launch (a new object) and is parsed again, against the catalog as it is then. It
 * is also the job's listener, and forgets the parse when the execution ends. Launches that never start (refused by
 * the repository) are forgotten after the {@value #REMEMBERED} newer ones; should a running one be forgotten too,
 * its steps parse its text again.
 *
 * @param <P> the job's parameter record
 */
public final class ParsedParameters<P> implements JobParametersValidator, JobExecutionListener {

    static final int REMEMBERED = 256;

    private final ParameterNames names;
    private final Function<ParameterText, P> parser;
    private final AtomicLong parses = new AtomicLong();
    /** Launches by identity, oldest first. */
    private final Map<Launch, P> launches = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Launch, P> eldest) {
            return size() > REMEMBERED;
        }
    };

    /**
     * @param names  the parameter names the job takes
     * @param parser from the parameters' text to the record; a bad value is an
     *               {@link IllegalArgumentException} or {@link DrmsException} whose message says which and why
     */
    public ParsedParameters(ParameterNames names, Function<ParameterText, P> parser) {
        this.names = names;
        this.parser = parser;
    }

    /**
     * This job's parsing, accepting also the optional names {@code more} (the {@link ChunkHooks}' parameters, which
     * the job itself does not read).
     */
    public ParsedParameters<P> accepting(Set<String> more) {
        return more.isEmpty() ? this : new ParsedParameters<>(names.withOptional(more), parser);
    }

    @Override
    public void validate(JobParameters parameters) throws InvalidJobParametersException {
        JobParameters params = parameters == null ? new JobParameters() : parameters;
        synchronized (launches) {
            if (launches.containsKey(new Launch(params))) {
                return; // checked at this launch already
            }
        }
        names.validate(params);
        try {
            parse(params);
        } catch (IllegalArgumentException | DrmsException e) {
            throw new InvalidJobParametersException(e.getMessage());
        }
    }

    /** The parsed parameters of the launch that carries {@code parameters}. */
    public P of(JobParameters parameters) {
        synchronized (launches) {
            P parsed = launches.get(new Launch(parameters));
            if (parsed != null) {
                return parsed;
            }
        }
        return parse(parameters);
    }

    @Override
    public void afterJob(JobExecution execution) {
        synchronized (launches) {
            launches.remove(new Launch(execution.getJobParameters()));
        }
    }

    /** The parameter names the job takes. */
    public ParameterNames names() {
        return names;
    }

    /** Whether the job takes a parameter of that name (required or optional). */
    public boolean takes(String name) {
        return names.required().contains(name) || names.optional().contains(name);
    }

    /** How many times parameters were parsed (for tests: once per launch). */
    public long parses() {
        return parses.get();
    }

    private P parse(JobParameters params) {
        parses.incrementAndGet();
        P parsed = parser.apply(new ParameterText(text(params)));
        synchronized (launches) {
            launches.put(new Launch(params), parsed);
        }
        return parsed;
    }

    /** The parameters' values as text, as they were given. */
    public static Map<String, String> text(JobParameters params) {
        Map<String, String> text = new LinkedHashMap<>();
        for (JobParameter<?> p : params) {
            text.put(p.name(), p.value() == null ? null : p.value().toString());
        }
        return text;
    }

    /** A {@link JobParameters} object known by identity: equal parameters of two launches are two launches. */
    private record Launch(JobParameters parameters) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Launch l && l.parameters == parameters;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(parameters);
        }
    }
}
