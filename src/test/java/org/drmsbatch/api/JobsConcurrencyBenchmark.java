package org.drmsbatch.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import tools.jackson.databind.JsonNode;

/**
 * The probe of issue 11 against a running server (over sockets): 8 clients &times; 300 launches of different jobs,
 * 10 identical launches, 10 parallel restarts of one failed execution; prints the answers by HTTP status, how the
 * accepted runs ended, and the job instances left without an execution. Counts are reported, not asserted (the
 * assertions are {@link JobsConcurrencyTest}'s). Run with
 * {@code ./mvnw -o -Pbench test -Dtest=JobsConcurrencyBenchmark}.
 */
@Tag("benchmark")
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"spring.main.web-application-type=servlet", "drms.test.counting-job=true",
                "drms.security.token=test-token-0123456789"})
class JobsConcurrencyBenchmark extends JobsConcurrencyTest {

    @Test
    void probe() throws Exception {
        int clients = 8;
        int launches = 300;
        List<Callable<Reply>> calls = new ArrayList<>();
        for (int i = 0; i < launches; i++) {
            String body = "{\"key\": \"probe-" + i + "\", \"items\": 3}";
            calls.add(() -> post("/api/jobs/counting", body));
        }
        long t0 = System.nanoTime();
        List<Reply> replies = atOnce(clients, calls);
        double seconds = (System.nanoTime() - t0) / 1e9;
        Map<String, Integer> ends = new java.util.TreeMap<>();
        for (Reply r : replies) {
            if (r.status() == 202) {
                JsonNode end = awaitEnd(r.body().get("executionId").asLong());
                ends.merge(end.get("status").asString(), 1, Integer::sum);
            }
        }
        System.out.printf("PROBE %d clients x %d launches of different jobs in %.1f s: answers %s; accepted runs"
                + " ended %s; job instances without an execution: %d%n", clients, launches, seconds,
                byStatus(replies), ends, instancesWithoutExecution());

        String same = "{\"key\": \"probe-identical\", \"items\": 100, \"delay\": \"2,java.lang.Long,false\"}";
        List<Callable<Reply>> identical = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            identical.add(() -> post("/api/jobs/counting", same));
        }
        List<Reply> idReplies = atOnce(10, identical);
        for (Reply r : idReplies) {
            if (r.status() == 202) {
                awaitEnd(r.body().get("executionId").asLong());
            }
        }
        System.out.printf("PROBE 10 identical launches: answers %s; rows written %d of 100 items%n",
                byStatus(idReplies), counted("probe-identical").size());

        Reply first = post("/api/jobs/counting",
                "{\"key\": \"probe-restart\", \"items\": 50, \"failAt\": \"25,java.lang.Long,false\"}");
        long failed = first.body().get("executionId").asLong();
        String status = awaitEnd(failed).get("status").asString();
        List<Callable<Reply>> restarts = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            restarts.add(() -> post("/api/jobs/executions/" + failed + "/restart",
                    "{\"failAt\": 0, \"delay\": \"2,java.lang.Long,false\"}"));
        }
        List<Reply> rsReplies = atOnce(10, restarts);
        Map<String, Integer> rsEnds = new java.util.TreeMap<>();
        for (Reply r : rsReplies) {
            if (r.status() == 202) {
                rsEnds.merge(awaitEnd(r.body().get("executionId").asLong()).get("status").asString(), 1,
                        Integer::sum);
            }
        }
        List<Integer> rows = counted("probe-restart");
        System.out.printf("PROBE 10 parallel restarts of one %s execution: answers %s; restarts ended %s; rows %d"
                + " (distinct %d) of 50 items%n", status, byStatus(rsReplies), rsEnds, rows.size(),
                rows.stream().distinct().count());
    }
}
