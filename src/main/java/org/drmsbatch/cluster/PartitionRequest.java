package org.drmsbatch.cluster;

/**
 * The message a manager sends for one partition, as JSON (never Java serialization: a message is data, not code).
 * It names Spring Batch's partition step execution, as {@code StepExecutionRequest} does, and the attempt.
 *
 * @param stepName         the worker step ({@link PartitionWorker#stepName()})
 * @param jobExecutionId   the job execution the partition belongs to
 * @param stepExecutionId  the partition's step execution in the shared job repository
 * @param attempt          1, then one more each time the manager sends the partition again
 */
public record PartitionRequest(String stepName, long jobExecutionId, long stepExecutionId, int attempt) {
}
