package org.drmsbatch.staging;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicLong;

import tools.jackson.databind.json.JsonMapper;

/**
 * Delivers MWA results ({@link JobResult}) to a request's {@code notify_url}: {@code POST} with the JSON body and
 * HTTP Basic credentials from {@code drms.staging.callback-username/-password}, within
 * {@code drms.staging.callback-timeout}. Only a 200 answer counts as delivered; redirects are not followed. The URL is
 * checked against the allow-list again before each attempt ({@link CallbackTarget}). Counts its attempts that were
 * delivered and that failed, since the process started (metrics).
 */
public class Callbacks {

    private final StagingSettings settings;
    private final HttpClient http;
    private final JsonMapper json = JsonMapper.builder().build();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();

    public Callbacks(StagingSettings settings) {
        this.settings = settings;
        this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(settings.callbackTimeout()).build();
    }

    /** Attempts delivered (HTTP 200) since the process started. */
    public long delivered() {
        return delivered.get();
    }

    /** Attempts that failed (refused by the allow-list, another answer than 200, no answer) since it started. */
    public long failed() {
        return failed.get();
    }

    /** Posts {@code result} to {@code url}; null when delivered (HTTP 200), else why not. */
    public String deliver(String url, JobResult result) {
        String error = attempt(url, result);
        (error == null ? delivered : failed).incrementAndGet();
        return error;
    }

    private String attempt(String url, JobResult result) {
        URI uri;
        try {
            uri = CallbackTarget.check(url, settings.callbackHosts());
        } catch (StagingException e) {
            return "refused: " + e.getMessage();
        }
        HttpRequest.Builder rq = HttpRequest.newBuilder(uri).timeout(settings.callbackTimeout())
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(result), StandardCharsets.UTF_8));
        if (settings.callbackUsername() != null) {
            String pair = settings.callbackUsername() + ":"
                    + (settings.callbackPassword() == null ? "" : settings.callbackPassword());
            rq.header("Authorization", "Basic "
                    + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
        }
        try {
            HttpResponse<Void> answer = http.send(rq.build(), HttpResponse.BodyHandlers.discarding());
            return answer.statusCode() == 200 ? null : "HTTP " + answer.statusCode();
        } catch (IOException e) {
            return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
