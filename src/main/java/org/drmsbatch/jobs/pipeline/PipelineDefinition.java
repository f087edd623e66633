package org.drmsbatch.jobs.pipeline;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A pipeline as {@code drms.pipelines.<name>} defines it: its steps in order, each a job and its parameters. Each
 * step after the first takes the record set the step before it made ({@value PipelineJobs#OUTPUT} in that job's
 * ExecutionContext) as its {@code ds} parameter, unless its own parameters give {@code ds}.
 *
 * @param name  the pipeline's name, also its job's name
 * @param steps the steps, at least one
 */
public record PipelineDefinition(String name, List<Step> steps) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0,63}");

    /**
     * One step.
     *
     * @param job        the job it runs
     * @param parameters its parameters, as {@code drms run} takes them ({@code value[,type[,identifying]]})
     */
    public record Step(String job, Map<String, String> parameters) {

        public Step {
            parameters = parameters == null ? Map.of() : java.util.Collections.unmodifiableMap(
                    new LinkedHashMap<>(parameters));
        }
    }

    /** A checked definition; a bad one is refused with an {@link IllegalArgumentException} saying what is wrong. */
    public PipelineDefinition {
        String where = "drms.pipelines." + name;
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(where + ": a pipeline's name is a letter then at most 63 letters,"
                    + " digits, '_' or '-'");
        }
        if (steps == null || steps.isEmpty()) {
            throw new IllegalArgumentException(where + ".steps: a pipeline needs at least one step");
        }
        List<Step> checked = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            Step s = steps.get(i);
            if (s == null || s.job() == null || s.job().isBlank()) {
                throw new IllegalArgumentException(where + ".steps[" + i + "].job: every step names a job");
            }
            if (s.job().equals(name)) {
                throw new IllegalArgumentException(where + ".steps[" + i + "].job: a pipeline cannot run itself");
            }
            if (s.parameters().containsKey("run")) {
                throw new IllegalArgumentException(where + ".steps[" + i + "].parameters: 'run' is the pipeline's"
                        + " (each step's job instance is named after the pipeline's run)");
            }
            checked.add(new Step(s.job().trim(), s.parameters()));
        }
        steps = List.copyOf(checked);
    }

    /**
     * The status step of step {@code i} (0-based): the name its records' processing status is kept under,
     * {@code <pipeline>:step<i+1>.<job>}.
     */
    public String statusStep(int i) {
        return name + ":" + stepName(i);
    }

    /** The name of step {@code i} (0-based) in the pipeline's job: {@code step<i+1>.<job>}. */
    public String stepName(int i) {
        return "step" + (i + 1) + "." + steps.get(i).job();
    }
}
