package org.drmsbatch.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpServer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the MWA staging tests talk with: an ASVO-like client of a server's MWA paths over a real socket (the JDK
 * HttpClient), and the callback receiver it names in {@code notify_url} (a JDK HttpServer on 127.0.0.1) that keeps
 * each JobResult posted to it.
 */
final class MwaClient implements AutoCloseable {

    static final JsonMapper JSON = JsonMapper.builder().build();

    record Answer(int status, String contentType, String body) {
        JsonNode json() {
            return JSON.readTree(body);
        }

        /** The errormsg of an error answer, checking that it is MWA's shape: one member, errormsg, JSON. */
        String errormsg() {
            assertThat(contentType).as(body).startsWith("application/json");
            JsonNode n = json();
            assertThat(n.isObject()).as(body).isTrue();
            assertThat(n.propertyNames()).as(body).containsExactly("errormsg");
            return n.get("errormsg").asString();
        }
    }

    private final String base;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final HttpServer receiver;
    /** Every JobResult received, in order. */
    final List<JsonNode> results = new CopyOnWriteArrayList<>();
    private final Map<Long, List<JsonNode>> byJob = new ConcurrentHashMap<>();

    MwaClient(String base, String token) throws Exception {
        this.base = base;
        this.token = token;
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/jobresult", ex -> {
            JsonNode body = JSON.readTree(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            results.add(body);
            byJob.computeIfAbsent(body.get("job_id").asLong(), k -> new CopyOnWriteArrayList<>()).add(body);
            synchronized (this) {
                notifyAll();
            }
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        receiver.start();
    }

    String notifyUrl() {
        return "http://127.0.0.1:" + receiver.getAddress().getPort() + "/jobresult";
    }

    /** The results received for a job. */
    List<JsonNode> results(long jobId) {
        return byJob.getOrDefault(jobId, List.of());
    }

    /** Waits until the job's first result arrives (at most {@code seconds}) and returns it. */
    synchronized JsonNode awaitResult(long jobId, int seconds) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (results(jobId).isEmpty()) {
            long left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime());
            assertThat(left).as("the result of job %d arrives within %d s", jobId, seconds).isPositive();
            wait(left);
        }
        return results(jobId).get(0);
    }

    Answer send(String method, String path, String body, boolean credentials) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
        if (credentials) {
            b.header("Authorization", "Bearer " + token);
        }
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
    }

    Answer get(String path) throws Exception {
        return send("GET", path, null, false);
    }

    Answer post(String path, String body) throws Exception {
        return send("POST", path, body, true);
    }

    Answer delete(String path) throws Exception {
        return send("DELETE", path, null, true);
    }

    /** A NewJob body naming files. */
    String newJob(long jobId, List<String> files) {
        return JSON.writeValueAsString(Map.of("job_id", jobId, "notify_url", notifyUrl(), "files", files));
    }

    /** A NewJob body naming a record-set query. */
    String newQueryJob(long jobId, String query) {
        return JSON.writeValueAsString(Map.of("job_id", jobId, "notify_url", notifyUrl(), "query", query));
    }

    @Override
    public void close() {
        receiver.stop(0);
    }
}
