package org.drmsbatch.jobs;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.springframework.batch.core.job.parameters.InvalidJobParametersException;
import org.springframework.batch.core.job.parameters.JobParameter;
import org.springframework.batch.core.job.parameters.JobParameters;
import org.springframework.batch.core.job.parameters.JobParametersValidator;

/**
 * Checks a job's parameter names: the required ones are there and there is no other than the required and the
 * optional ones. Spring Batch's {@code DefaultJobParametersValidator} only logs a warning for an unknown name, so a
 * misspelt optional parameter ({@code chunksize=10}) would silently be ignored; here it is refused, with the names
 * the job knows.
 */
public record ParameterNames(Set<String> required, Set<String> optional) implements JobParametersValidator {

    public ParameterNames {
        required = Set.copyOf(required);
        optional = Set.copyOf(optional);
    }

    public static ParameterNames of(List<String> required, List<String> optional) {
        return new ParameterNames(Set.copyOf(required), Set.copyOf(optional));
    }

    /** These names and {@code more} optional ones. */
    public ParameterNames withOptional(Set<String> more) {
        Set<String> all = new HashSet<>(optional);
        all.addAll(more);
        return new ParameterNames(required, all);
    }

    @Override
    public void validate(JobParameters parameters) throws InvalidJobParametersException {
        Set<String> given = parameters == null ? Set.of() : parameters.parameters().stream()
                .map(JobParameter::name).collect(Collectors.toSet());
        List<String> missing = new ArrayList<>(new TreeSet<>(required));
        missing.removeAll(given);
        if (!missing.isEmpty()) {
            throw new InvalidJobParametersException("missing required parameter(s) " + String.join(", ", missing));
        }
        Set<String> unknown = new TreeSet<>(given);
        unknown.removeAll(required);
        unknown.removeAll(optional);
        if (!unknown.isEmpty()) {
            Set<String> known = new TreeSet<>(required);
            known.addAll(optional);
            throw new InvalidJobParametersException("unknown parameter(s) " + String.join(", ", unknown)
                    + " (this job takes " + String.join(", ", known) + ")");
        }
    }
}
