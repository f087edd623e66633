package org.drmsbatch.export;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Exported files checked by the real tools: fitsverify, and astropy in the system python. */
public final class FitsChecks {

    public static final Path FITSVERIFY = Path.of("/usr/bin/fitsverify");
    public static final Path PYTHON = Path.of("/usr/bin/python3");

    /**
     * Prints, per file, JSON: the first HDU with data's header (values; {@code null} for a card without value),
     * comments, COMMENT and HISTORY lines, BITPIX, shape, the data as doubles (astropy's scaling applied, NaN as
     * null), and astropy's checksum warnings.
     */
    private static final String ASTROPY = """
            import sys, json, warnings
            import numpy as np
            from astropy.io import fits
            out = {}
            for path in sys.argv[1:]:
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter('always')
                    with fits.open(path, checksum=True) as hl:
                        hdu = next(h for h in hl if h.header.get('NAXIS', 0) > 0)
                        bitpix = hdu.header['BITPIX']  # astropy changes it once it scales the data
                        values, comments, history, comment = {}, {}, [], []
                        for c in hdu.header.cards:
                            if c.keyword == 'HISTORY':
                                history.append(str(c.value))
                            elif c.keyword == 'COMMENT':
                                comment.append(str(c.value))
                            elif c.keyword:
                                v = c.value
                                values[c.keyword] = None if isinstance(v, fits.card.Undefined) else v
                                comments[c.keyword] = c.comment
                        data = np.asarray(hdu.data, dtype=np.float64).ravel()
                        out[path] = {
                            'compressed': isinstance(hdu, fits.CompImageHDU),
                            'bitpix': bitpix,
                            'shape': list(hdu.data.shape),
                            'values': values, 'comments': comments, 'history': history, 'comment': comment,
                            'data': [None if np.isnan(x) else float(x) for x in data],
                        }
                    out[path]['warnings'] = [str(w.message) for w in caught]
            print(json.dumps(out))
            """;

    private FitsChecks() {
    }

    public static boolean toolsPresent() {
        return Files.isExecutable(FITSVERIFY) && Files.isExecutable(PYTHON);
    }

    /** Asserts fitsverify finds no error and no checksum warning (other warnings allowed) in each file. */
    public static void fitsverify(List<Path> files) throws IOException, InterruptedException {
        for (Path f : files) {
            Process p = new ProcessBuilder(FITSVERIFY.toString(), f.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor();
            assertThat(out).as("fitsverify %s:%n%s", f, out).containsPattern("and 0 error\\(s\\)")
                    .doesNotContainIgnoringCase("checksum").doesNotContainIgnoringCase("datasum");
        }
    }

    /** astropy's view of the files, by path. */
    public static JsonNode astropy(List<Path> files) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(PYTHON.toString(), "-c", ASTROPY));
        files.forEach(f -> cmd.add(f.toString()));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("astropy: %s", out).isZero();
        return JsonMapper.builder().build().readTree(out);
    }
}
