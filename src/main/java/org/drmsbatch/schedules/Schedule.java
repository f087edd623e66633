package org.drmsbatch.schedules;

import java.text.ParseException;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.Map;
import java.util.TreeMap;

import org.drmsbatch.schedules.JobRequestException.Reason;
import org.quartz.CronExpression;

/**
 * One schedule, {@code drms.schedules.<name>}: a job launched (through {@link JobControl}) at the times of a Quartz
 * cron expression.
 *
 * @param name the schedule's name (the key under {@code drms.schedules})
 * @param cron a Quartz cron expression: seconds, minutes, hours, day of month, month, day of week[, year]
 * @param timeZone the zone the expression is read in
 * @param job the job's name
 * @param parameters the job's parameters as text ({@code value[,type[,identifying]]}); {@code {fireTime}} in a value
 *        is replaced by the fire time ({@code yyyyMMdd'T'HHmmss'Z'}, UTC)
 * @param misfire what a fire missed while no scheduler ran does: run it once when one runs again, or skip it
 * @param restart whether a fire whose schedule's last run FAILED restarts that execution instead of a new run
 * @param enabled whether the schedule exists in the scheduler
 */
public record Schedule(String name, String cron, ZoneId timeZone, String job, Map<String, String> parameters,
        Misfire misfire, boolean restart, boolean enabled) {

    /** What a missed fire does. */
    public enum Misfire {
        RUN_ONCE("run-once"), SKIP("skip");

        private final String text;

        Misfire(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }

        static Misfire of(String schedule, String text) {
            if (text == null || text.isBlank()) {
                return RUN_ONCE;
            }
            for (Misfire m : values()) {
                if (m.text.equalsIgnoreCase(text.trim())) {
                    return m;
                }
            }
            throw new JobRequestException(Reason.INVALID, "drms.schedules." + schedule + ".misfire must be run-once"
                    + " or skip, not '" + text + "'");
        }
    }

    /** A definition as bound from {@code drms.schedules.<name>}: every field optional but cron and job. */
    public record Definition(String cron, String timeZone, String job, Map<String, String> parameters,
            String misfire, Boolean restart, Boolean enabled) {
    }

    /** Checks a definition; a bad one is an error naming the property. */
    static Schedule of(String name, Definition d) {
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")) {
            throw new JobRequestException(Reason.INVALID, "a schedule's name must be letters, digits, '_', '.', '-'"
                    + " (at most 100), not '" + name + "'");
        }
        String prefix = "drms.schedules." + name;
        if (d == null || d.cron() == null || d.cron().isBlank()) {
            throw new JobRequestException(Reason.INVALID, prefix + ".cron is not set");
        }
        try {
            CronExpression.validateExpression(d.cron().trim());
        } catch (ParseException e) {
            throw new JobRequestException(Reason.INVALID, prefix + ".cron '" + d.cron() + "' is not a Quartz cron"
                    + " expression (seconds minutes hours day-of-month month day-of-week [year]): " + e.getMessage());
        }
        if (d.job() == null || d.job().isBlank()) {
            throw new JobRequestException(Reason.INVALID, prefix + ".job is not set");
        }
        ZoneId zone;
        try {
            zone = d.timeZone() == null || d.timeZone().isBlank() ? ZoneId.systemDefault() : ZoneId.of(d.timeZone().trim());
        } catch (DateTimeException e) {
            throw new JobRequestException(Reason.INVALID, prefix + ".time-zone '" + d.timeZone() + "' is not a time"
                    + " zone (e.g. UTC, Europe/Rome): " + e.getMessage());
        }
        Map<String, String> parameters = new TreeMap<>();
        if (d.parameters() != null) {
            d.parameters().forEach((k, v) -> parameters.put(k, v == null ? "" : v));
        }
        return new Schedule(name, d.cron().trim(), zone, d.job().trim(), Map.copyOf(parameters),
                Misfire.of(name, d.misfire()), Boolean.TRUE.equals(d.restart()), d.enabled() == null || d.enabled());
    }

    /** Everything the scheduler keeps of the schedule, as one text: a changed definition has another. */
    String fingerprint() {
        return cron + "|" + timeZone.getId() + "|" + job + "|" + new TreeMap<>(parameters) + "|" + misfire.text() + "|"
                + restart;
    }
}
