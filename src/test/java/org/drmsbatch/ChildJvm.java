package org.drmsbatch;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A second JVM running a main class of the test classpath, for the tests that really kill a process: its
 * standard output arrives line by line in {@link #lines()} (then {@code "EOF"} when it ends), its standard error
 * goes to a file.
 */
public record ChildJvm(Process process, BlockingQueue<String> lines) {

    /**
     * Options every child gets, for a quick start on a machine the test JVM already keeps busy: the children run
     * small workloads for seconds, where the client compiler alone (no C2 compile storms) and the serial collector
     * (no GC threads) cost less CPU than they save. Options given to {@link #start(List, Class, Path, String...)}
     * come after and win.
     */
    static final List<String> QUICK_START = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    /** The line put in {@link #lines()} when the child's output ends. */
    public static final String EOF = "EOF";

    public static ChildJvm start(Class<?> main, Path stderr, String... args) throws IOException {
        return start(List.of(), main, stderr, args);
    }

    /** As {@link #start(Class, Path, String...)}, with these options for the JVM (e.g. {@code -Xmx1g}). */
    public static ChildJvm start(List<String> jvmOptions, Class<?> main, Path stderr, String... args)
            throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(QUICK_START);
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        Process process = new ProcessBuilder(cmd).redirectError(stderr.toFile()).start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                    lines.add(l);
                }
            } catch (IOException e) {
                // the child died
            }
            lines.add(EOF);
        }, "child-" + main.getSimpleName());
        reader.setDaemon(true);
        reader.start();
        return new ChildJvm(process, lines);
    }
}
