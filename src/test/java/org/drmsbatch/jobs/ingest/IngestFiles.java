package org.drmsbatch.jobs.ingest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;

import nom.tam.fits.BasicHDU;
import nom.tam.fits.Fits;
import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsException;
import org.drmsbatch.drms.JsdParser;

/** What the ingest tests share: the test series and FITS files made with nom-tam. */
public final class IngestFiles {

    public static final String JSD = """
            Seriesname:     %s
            Author:         "ingest test"
            Owner:          drms
            Unitsize:       4
            Archive:        0
            Retention:      7
            Tapegroup:      0
            PrimeKeys:      T_OBS, WAVELNTH
            Description:    "Images ingested from an inbox"
            Keyword: T_OBS,    time,   variable, record, DRMS_MISSING_VALUE, 0, TAI, "Observation time"
            Keyword: WAVELNTH, int,    variable, record, DRMS_MISSING_VALUE, "%%d", angstrom, "Wavelength"
            Keyword: EXPTIME,  double, variable, record, DRMS_MISSING_VALUE, "%%.6g", s, "Exposure"
            Keyword: TELESCOP, string, variable, record, "", "%%s", none, "Telescope"
            Keyword: HISTORY,  string, variable, record, "", "%%s", none, "Never taken from a FITS header"
            Data: image, vardim, float, 2, 4096, 4096, DN, fits, "", 0.0, 1.0, "The image"
            """;

    private IngestFiles() {
    }

    /** Creates the series {@code name} when it is missing. */
    public static void ensureSeries(Drms drms, String name) {
        try {
            drms.describeSeries(name);
        } catch (DrmsException missing) {
            drms.createSeries(new JsdParser().parse(name + ".jsd", JSD.formatted(name)), false);
        }
    }

    /** The image of file i: 3 x 4 floats. */
    public static float[][] image(int i) {
        float[][] a = new float[3][4];
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 4; x++) {
                a[y][x] = i * 100 + y * 10 + x + 0.5f;
            }
        }
        return a;
    }

    /** A FITS file with image(i), T_OBS 2026.12.06_00:0i:00_TAI, WAVELNTH 171 + i, EXPTIME 2.5, TELESCOP. */
    public static byte[] fits(int i, boolean withWavelength, String wavelengthText) throws IOException {
        Path tmp = Files.createTempFile("ingest", ".fits");
        try (Fits f = new Fits()) {
            BasicHDU<?> hdu = Fits.makeHDU(image(i));
            hdu.addValue("T_OBS", String.format("2026.12.06_00:%02d:00_TAI", i), "observation time");
            if (wavelengthText != null) {
                hdu.addValue("WAVELNTH", wavelengthText, "a string where an int belongs");
            } else if (withWavelength) {
                hdu.addValue("WAVELNTH", 171 + i, "wavelength");
            }
            hdu.addValue("EXPTIME", 2.5, "exposure");
            hdu.addValue("TELESCOP", "SDO/AIA", "telescope");
            hdu.addValue("ORIGIN", "not a keyword of the series", "");
            hdu.getHeader().insertHistory("made by the ingest test");
            f.addHDU(hdu);
            f.write(tmp.toFile());
            return Files.readAllBytes(tmp);
        } catch (nom.tam.fits.FitsException e) {
            throw new IOException(e);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** Writes a file into the inbox, its modification time set {@code agoMillis} in the past (settled). */
    public static Path drop(Path inbox, String name, byte[] content, long agoMillis) throws IOException {
        Path tmp = inbox.resolve("." + name + ".tmp");
        Files.write(tmp, content);
        Files.setLastModifiedTime(tmp, FileTime.from(Instant.now().minusMillis(agoMillis)));
        return Files.move(tmp, inbox.resolve(name), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
