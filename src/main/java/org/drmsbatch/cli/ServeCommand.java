package org.drmsbatch.cli;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.ContextClosedEvent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code drms serve}: runs the web server (REST API) until Ctrl-C. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the HTTP server (job control, buffer API) until interrupted (Ctrl-C).")
public class ServeCommand implements Callable<Integer> {

    @ParentCommand
    DrmsCommand drms;

    @Option(names = {"-p", "--port"}, paramLabel = "N",
            description = "TCP port (default: server.port in application.yaml, 8080; 0 for any free port)")
    Integer port;

    @Override
    public Integer call() throws InterruptedException {
        drms.serve(port);
        ConfigurableApplicationContext context = drms.context();
        CountDownLatch closed = new CountDownLatch(1);
        context.addApplicationListener(e -> {
            if (e instanceof ContextClosedEvent) {
                closed.countDown();
            }
        });
        int actual = context instanceof WebServerApplicationContext web ? web.getWebServer().getPort() : -1;
        System.out.println("drms: serving on http://localhost:" + actual + "/ (Ctrl-C to stop)");
        System.out.flush();
        closed.await(); // the JVM's shutdown hook closes the context on Ctrl-C
        return DrmsCommand.OK;
    }
}
