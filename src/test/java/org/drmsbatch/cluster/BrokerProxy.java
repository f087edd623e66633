package org.drmsbatch.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay between the cluster's processes and the real broker, so that a test can drop every broker connection
 * at once ({@link #drop}): the sockets are closed as a network failure or a broker restart closes them, and new
 * connections are refused until {@link #resume}.
 */
final class BrokerProxy implements AutoCloseable {

    private final String host;
    private final int port;
    private final ServerSocket server;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private volatile boolean refusing;
    private volatile int dropped;

    BrokerProxy(String host, int port) throws IOException {
        this.host = host;
        this.port = port;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::accept, "broker-proxy");
        accept.setDaemon(true);
        accept.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** How many connections {@link #drop} closed. */
    int dropped() {
        return dropped;
    }

    /** Closes every relayed connection and refuses new ones. */
    void drop() {
        refusing = true;
        int n = 0;
        for (Socket s : open) {
            try {
                s.close();
                n++;
            } catch (IOException e) {
                // closed already
            }
        }
        open.clear();
        dropped += n / 2;
    }

    /** Accepts connections again. */
    void resume() {
        refusing = false;
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                if (refusing) {
                    client.close();
                    continue;
                }
                Socket broker = new Socket(host, port);
                open.add(client);
                open.add(broker);
                pipe(client, broker);
                pipe(broker, client);
            } catch (IOException e) {
                // the server closed, or the broker refused: the client sees its connection closed
            }
        }
    }

    private static void pipe(Socket from, Socket to) throws IOException {
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16384];
            try {
                for (int n; (n = in.read(buf)) >= 0; ) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // dropped
            } finally {
                try {
                    from.close();
                    to.close();
                } catch (IOException e) {
                    // closed
                }
            }
        }, "broker-proxy-pipe");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() throws IOException {
        server.close();
        drop();
    }
}
