package org.drmsbatch.drms.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.drmsbatch.drms.JsdParser;
import org.drmsbatch.drms.SeriesDefinition;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The fixture series of {@link GoldenQueryTest} parse, with the prime keys the golden expectations assume. */
class GoldenJsdTest {

    static Path jsdDir() {
        try {
            return Path.of(GoldenJsdTest.class.getResource("/query/jsd").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Stream<Path> jsds() throws IOException {
        try (Stream<Path> s = Files.list(jsdDir())) {
            return s.filter(p -> p.toString().endsWith(".jsd")).sorted().toList().stream();
        }
    }

    static final java.util.Map<String, List<String>> PRIME = java.util.Map.ofEntries(
            java.util.Map.entry("hmi.v_45s", List.of("T_REC", "CAMERA")),
            java.util.Map.entry("hmi.M_45s", List.of("T_REC", "CAMERA")),
            java.util.Map.entry("hmi.M_720s", List.of("T_REC", "CAMERA")),
            java.util.Map.entry("hmi.ic_720s", List.of("T_REC", "CAMERA")),
            java.util.Map.entry("hmi.lw_720s", List.of("T_REC", "CAMERA")),
            java.util.Map.entry("hmi.sharp_720s", List.of("HARPNUM", "T_REC")),
            java.util.Map.entry("aia.lev1_euv_12s", List.of("T_REC", "WAVELNTH")),
            java.util.Map.entry("hmi.rdvfitsc_fd15", List.of("CarrRot", "CMLon", "LatHG")),
            java.util.Map.entry("hmi.lev0e", List.of("FSN")),
            java.util.Map.entry("hmi.lev0a", List.of("FSN")),
            java.util.Map.entry("aia.lev0", List.of("FSN")),
            java.util.Map.entry("su_arta.testseries", List.of("SERIALNUM")),
            java.util.Map.entry("hmi.rdMAI_fd30", List.of("CarrRot", "CMLon", "LonHG")),
            java.util.Map.entry("hmi.hk_dayfile", List.of("DAY", "APID", "SOURCE")));

    @ParameterizedTest
    @MethodSource("jsds")
    void fixtureSeriesParse(Path jsd) {
        SeriesDefinition def = new JsdParser().parse(jsd);
        String name = jsd.getFileName().toString().replaceAll("\\.jsd$", "");
        assertThat(def.name()).isEqualTo(name);
        assertThat(def.primeKeys()).isEqualTo(PRIME.get(name));
    }

    @org.junit.jupiter.api.Test
    void everyFixtureSeriesHasAJsd() throws IOException {
        assertThat(jsds().map(p -> p.getFileName().toString().replaceAll("\\.jsd$", "")).toList())
                .containsExactlyInAnyOrderElementsOf(PRIME.keySet());
    }
}
