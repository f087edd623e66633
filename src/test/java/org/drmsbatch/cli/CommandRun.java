package org.drmsbatch.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.drmsbatch.TestDatabase;

/** One {@code drms} command run in this JVM for the CLI tests: its exit code, standard output and error. */
record CommandRun(int code, String out, String err) {

    /** The options that point a command at a test home and database, plus {@code --set} of each property. */
    static List<String> options(Path home, String url, String... properties) {
        List<String> all = new ArrayList<>(List.of("--home", home.toString(),
                "--set", "spring.datasource.url=" + url,
                "--set", "spring.datasource.username=" + TestDatabase.user()));
        for (String p : properties) {
            all.add("--set");
            all.add(p);
        }
        return all;
    }

    /** Runs {@code drms OPTIONS ARGS} with {@code stdin} (or none) as standard input. */
    static synchronized CommandRun run(List<String> options, String stdin, String... args) {
        List<String> all = new ArrayList<>(options);
        all.addAll(List.of(args));
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        InputStream oldIn = System.in;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            if (stdin != null) {
                System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            }
            code = DrmsCommand.execute(all.toArray(String[]::new));
            System.out.flush();
            System.err.flush();
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
            System.setIn(oldIn);
        }
        CommandRun r = new CommandRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        oldOut.println("drms " + String.join(" ", args) + " -> " + r.code() + "\n" + r.out() + r.err());
        return r;
    }
}
