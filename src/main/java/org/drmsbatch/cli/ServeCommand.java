package org.drmsbatch.cli;

import java.net.InetAddress;
import java.util.concurrent.Callable;

import org.drmsbatch.config.ApiToken;
import org.springframework.boot.tomcat.TomcatWebServer;
import org.springframework.boot.web.server.WebServer;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.Environment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code drms serve}: runs the web server (REST API) until Ctrl-C. It listens on the loopback interface unless
 * {@code --address} (or server.address) says otherwise.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the HTTP server (job control, buffer API) until interrupted (Ctrl-C).")
public class ServeCommand implements Callable<Integer> {

    @ParentCommand
    DrmsCommand drms;

    @Option(names = {"-p", "--port"}, paramLabel = "N",
            description = "TCP port (default: server.port in application.yaml, 8080; 0 for any free port)")
    Integer port;

    @Option(names = {"-a", "--address"}, paramLabel = "HOST",
            description = "Address to listen on (default: server.address, 127.0.0.1: this host only; "
                    + "0.0.0.0 for every interface)")
    String address;

    @Option(names = "--worker",
            description = "Also take partitions of remote jobs from the cluster's queue, as drms worker does "
                    + "(needs drms.cluster.enabled=true)")
    boolean worker;

    @Override
    public Integer call() throws InterruptedException {
        drms.serve(address, port);
        if (worker) {
            drms.worker();
        }
        ConfigurableApplicationContext context = drms.context();
        String workerBanner = worker ? WorkerCommand.banner(context) : null;
        System.out.println("drms: serving on " + url(context) + " (Ctrl-C to stop)");
        System.out.println("drms: API token from " + context.getBean(ApiToken.class).origin()
                + " (send it as Authorization: Bearer <token>)");
        if (workerBanner != null) {
            System.out.println(workerBanner);
        }
        System.out.flush();
        WorkerCommand.awaitClose(context); // the JVM's shutdown hook closes the context on Ctrl-C
        return DrmsCommand.OK;
    }

    /** The URL the server answers on: its scheme, the address it listens on, its port. */
    static String url(ConfigurableApplicationContext context) {
        Environment env = context.getEnvironment();
        WebServer server = context instanceof WebServerApplicationContext web ? web.getWebServer() : null;
        int port = server != null ? server.getPort() : -1;
        // what the server's connector does, not what the properties suggest
        boolean tls = server instanceof TomcatWebServer tomcat && tomcat.getTomcat().getConnector().getSecure();
        String address = env.getProperty("server.address");
        String host;
        if (address == null || address.isBlank()) {
            host = "*";
        } else {
            try {
                InetAddress a = InetAddress.getByName(address);
                host = a.isAnyLocalAddress() ? "*" : a.getHostAddress().contains(":")
                        ? "[" + a.getHostAddress() + "]" : a.getHostAddress();
            } catch (java.net.UnknownHostException e) {
                host = address;
            }
        }
        return (tls ? "https" : "http") + "://" + host + ":" + port + "/";
    }
}
