package org.drmsbatch.bench;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A load generator's HTTP/1.1 client: one keep-alive connection, one request at a time, the request's head and body
 * written in one go, the answer's status and body read back. It does what {@code wrk} does and no more, so that on a
 * machine whose cores the server under test shares it takes as little CPU as a client can: the JDK's HttpClient
 * takes about as much CPU per large request as the server's parse (and keeps the JIT compiling its asynchronous
 * machinery for minutes), which would be measured against the server. Answers with {@code Content-Length} or
 * {@code Transfer-Encoding: chunked} bodies are read; anything else fails the request.
 */
public final class LoadClient implements AutoCloseable {

    /** A status and the answer's body (UTF-8). */
    public record Answer(int status, String body) {
    }

    private final InetSocketAddress address;
    private final String host;
    private final byte[] line = new byte[8192];
    /** The connection; null before the first request and after the server said it closes it. */
    private Socket socket;
    private OutputStream out;
    private InputStream in;
    private int connections;

    public LoadClient(String host, int port) {
        this.address = new InetSocketAddress(host, port);
        this.host = host + ":" + port;
    }

    /** Connections opened so far (a server closes a keep-alive connection after so many requests, Tomcat's 100). */
    public int connections() {
        return connections;
    }

    private void connect() throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(address, 10_000);
        socket.setSoTimeout(60_000);
        out = socket.getOutputStream();
        in = new BufferedInputStream(socket.getInputStream(), 16_384);
        connections++;
    }

    /** POSTs {@code body} to {@code path} with the given extra header lines ("Name: value"); the answer. */
    public Answer post(String path, String contentType, byte[] body, String... headers) throws IOException {
        StringBuilder head = new StringBuilder(256).append("POST ").append(path).append(" HTTP/1.1\r\nHost: ")
                .append(host).append("\r\nContent-Type: ").append(contentType).append("\r\nContent-Length: ")
                .append(body.length).append("\r\n");
        for (String h : headers) {
            head.append(h).append("\r\n");
        }
        byte[] h = head.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] request = new byte[h.length + body.length];
        System.arraycopy(h, 0, request, 0, h.length);
        System.arraycopy(body, 0, request, h.length, body.length);
        if (socket == null) {
            connect();
        }
        out.write(request);
        out.flush();
        return answer();
    }

    private Answer answer() throws IOException {
        String status = readLine();
        if (!status.startsWith("HTTP/1.1 ") || status.length() < 12) {
            throw new IOException("not an HTTP/1.1 status line: " + status);
        }
        int code = Integer.parseInt(status.substring(9, 12));
        long length = -1;
        boolean chunked = false;
        boolean close = false;
        for (String l = readLine(); !l.isEmpty(); l = readLine()) {
            String lower = l.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Long.parseLong(l.substring(15).strip());
            } else if (lower.startsWith("transfer-encoding:")) {
                chunked = lower.contains("chunked");
            } else if (lower.startsWith("connection:")) {
                close = lower.contains("close");
            }
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (chunked) {
            for (int size = chunkSize(); size > 0; size = chunkSize()) {
                body.write(in.readNBytes(size));
                readLine();
            }
            while (!readLine().isEmpty()) { // trailers
            }
        } else if (length >= 0) {
            body.write(in.readNBytes((int) length));
        } else {
            throw new IOException("an answer of status " + code + " without Content-Length or chunked body");
        }
        if (close) {
            close();
        }
        return new Answer(code, body.toString(StandardCharsets.UTF_8));
    }

    private int chunkSize() throws IOException {
        String l = readLine();
        int semicolon = l.indexOf(';');
        return Integer.parseInt((semicolon < 0 ? l : l.substring(0, semicolon)).strip(), 16);
    }

    /** A header line without its CRLF. */
    private String readLine() throws IOException {
        int n = 0;
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new EOFException("the server closed the connection");
            }
            if (c == '\n') {
                return new String(line, 0, n > 0 && line[n - 1] == '\r' ? n - 1 : n, StandardCharsets.ISO_8859_1);
            }
            if (n == line.length) {
                throw new IOException("a header line over " + line.length + " bytes");
            }
            line[n++] = (byte) c;
        }
    }

    @Override
    public void close() throws IOException {
        if (socket != null) {
            socket.close();
            socket = null;
        }
    }
}
