package org.drmsbatch.cli;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import org.drmsbatch.cluster.ClusterWorker;
import org.drmsbatch.config.ClusterProperties;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.ContextClosedEvent;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/**
 * {@code drms worker}: takes partitions of the rescale and stage jobs launched with {@code remote=true} from the
 * cluster's queue and runs them against the shared catalog and SUMS partitions, until Ctrl-C (README "Cluster"). It
 * needs {@code drms.cluster.enabled=true} and the broker; it runs no web server.
 */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = "Take partitions of remote jobs from the cluster's queue (drms.cluster.*) until interrupted.")
public class WorkerCommand implements Callable<Integer> {

    @ParentCommand
    DrmsCommand drms;

    @Override
    public Integer call() throws InterruptedException {
        drms.worker();
        ConfigurableApplicationContext context = drms.context();
        System.out.println(banner(context));
        System.out.flush();
        awaitClose(context);
        return DrmsCommand.OK;
    }

    /** The line saying which worker takes partitions from where (a UserError when this process is no worker). */
    static String banner(ConfigurableApplicationContext context) {
        ClusterWorker worker = context.getBeanProvider(ClusterWorker.class).getIfAvailable();
        if (worker == null) {
            throw new DrmsCommand.UserError("a worker needs the cluster: set drms.cluster.enabled=true (and "
                    + "drms.cluster.broker-url), e.g. drms --set drms.cluster.enabled=true worker");
        }
        ClusterProperties cluster = context.getBean(ClusterProperties.class);
        return "drms: worker " + worker.id() + " takes partitions from queue " + cluster.queue() + " at "
                + cluster.shownBroker() + " (Ctrl-C to stop)";
    }

    /** Waits until the context closes (the JVM's shutdown hook closes it on Ctrl-C). */
    static void awaitClose(ConfigurableApplicationContext context) throws InterruptedException {
        CountDownLatch closed = new CountDownLatch(1);
        context.addApplicationListener(e -> {
            if (e instanceof ContextClosedEvent) {
                closed.countDown();
            }
        });
        closed.await();
    }
}
