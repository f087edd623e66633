package org.drmsbatch.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One {@code /usr/bin/python3} process kept alive across the rounds, so the python side of a comparison is as warm
 * as the Java side (imports done, numpy's allocations reused) and its start-up is never timed. The script defines
 * {@code run(*args)}, which does one measured run and returns its figure (it times itself); each {@link #call}
 * sends one line of arguments and reads back the figure. A python error fails the call with python's traceback.
 */
public final class PythonWorker implements AutoCloseable {

    public static final Path PYTHON = Path.of("/usr/bin/python3");

    private static final String LOOP = """

            import sys as _sys, traceback as _tb
            for _line in _sys.stdin:
                try:
                    _out = run(*_line.split())
                    print('OK %r' % float(_out), flush=True)
                except Exception:
                    print('ERR ' + _tb.format_exc().replace('\\n', ' | '), flush=True)
            """;

    private final Process process;
    private final BufferedReader out;
    private final Writer in;

    /** Starts python on {@code script} (which must define {@code run}) with {@code args} as its sys.argv[1:]. */
    public PythonWorker(String script, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(PYTHON.toString(), "-u", "-c", script + LOOP));
        cmd.addAll(List.of(args));
        process = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    }

    /** One run: {@code run(*args)} in python; its figure. */
    public double call(String... args) throws IOException {
        in.write(String.join(" ", args) + "\n");
        in.flush();
        String line = out.readLine();
        if (line == null) {
            throw new IOException("python ended: exit " + waitExit());
        }
        if (!line.startsWith("OK ")) {
            throw new IOException("python: " + line);
        }
        return Double.parseDouble(line.substring(3));
    }

    private int waitExit() {
        try {
            return process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    @Override
    public void close() throws IOException {
        in.close();
        try {
            if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
