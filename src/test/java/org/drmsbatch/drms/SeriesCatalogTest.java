package org.drmsbatch.drms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import org.drmsbatch.CatalogTestSupport;
import org.junit.jupiter.api.Test;

class SeriesCatalogTest extends CatalogTestSupport {

    static SeriesDefinition jsd(String file) {
        return new JsdParser().parse(Path.of("src/test/resources/jsd", file));
    }

    @Test
    void aSeriesFromJsdHasATableWithItsColumnsAndAPrimeKeyIndex() throws Exception {
        drms.createSeries(jsd("test.slotkeys.jsd"), false);
        List<String> cols = columns("test", "slotkeys");
        assertThat(cols).startsWith("recnum", "sunum", "slotnum", "sessionid", "sessionns");
        // slotted keys are stored as their index; the slot constants (_epoch, _step, ...) are not columns
        assertThat(cols).contains("t_rec", "t_rec_index", "carrrot_index", "lat_index", "wave", "serial");
        assertThat(cols).doesNotContain("t_rec_epoch", "t_rec_step", "lat_base", "lat_step", "lat_unit",
                "carrrot_step");
        assertThat(dataType("test", "slotkeys", "t_rec_index")).isEqualTo("bigint");
        assertThat(dataType("test", "slotkeys", "serial")).isEqualTo("integer");
        assertThat(indexDefinitions("test", "slotkeys"))
                .anySatisfy(d -> assertThat(d).contains("t_rec_index", "carrrot_index", "lat_index", "wave",
                        "serial"));

        // (the golden query tests own the name aia.lev0 in the shared test database)
        drms.createSeries(jsd("aia.lev0.jsd").withName("cat.aia_lev0"), false);
        List<String> aia = columns("cat", "aia_lev0");
        assertThat(aia).contains("fsn", "t_obs", "date__obs", "camera", "sg_000_file", "sg_001_file",
                "sg_002_file", "image_bzero", "image_bscale", "image_sm_bzero", "image_sm_bscale");
        assertThat(aia).noneMatch(c -> c.contains("axis"));
        assertThat(indexDefinitions("cat", "aia_lev0")).anySatisfy(d -> assertThat(d).contains("(fsn"));

        drms.createSeries(jsd("su_scholl.limbfit_tas.jsd"), false);
        List<String> tas = columns("su_scholl", "limbfit_tas");
        // dump is the fourth segment (segnum 3), vardim with 2 axes: per-record axis lengths
        // a segment-scope keyword is one column per segment
        assertThat(tas).contains("scale_000", "scale_005").doesNotContain("scale");
        assertThat(tas).contains("t_obs_index", "sg_000_file", "sg_003_file", "sg_003_axis000",
                "sg_003_axis001");
        assertThat(tas).doesNotContain("sg_000_axis000");
        assertThat(drms.describeSeries("su_scholl.limbfit_tas").segment("dump")).isPresent();
    }

    @Test
    void creatingAnExistingSeriesFailsUnlessReplacedWhichEmptiesIt() {
        SeriesDefinition def = jsd("aia.lev0.jsd").withName("aia.lev0_again");
        drms.createSeries(def, false);
        long recnum = drms.inSession(s -> {
            Record r = s.create("aia.lev0_again");
            r.set("FSN", 7);
            s.close(r, DrmsSession.Action.INSERT);
            return r.recnum();
        });
        assertThat(records("aia.lev0_again")).isEqualTo(1);
        Path dir = drms.read(s -> s.open("aia.lev0_again", recnum).orElseThrow().directory());
        assertThat(dir).isDirectory();

        assertThatThrownBy(() -> drms.createSeries(def, false)).isInstanceOf(DrmsException.class)
                .hasMessageContaining("already exists");
        assertThat(records("aia.lev0_again")).isEqualTo(1);

        drms.createSeries(def, true);
        assertThat(records("aia.lev0_again")).isZero();
        java.util.Optional<Record> old = drms.read(s -> s.open("aia.lev0_again", recnum));
        assertThat(old).isEmpty();
        assertThat(dir.getParent()).doesNotExist(); // the replaced series' storage unit is gone
    }

    @Test
    void listSeriesMatchesARegularExpression() {
        drms.createSeries(jsd("hmi.tlm.jsd").withName("lst.alpha"), false);
        drms.createSeries(jsd("hmi.tlm.jsd").withName("lst.beta"), false);
        drms.createSeries(jsd("hmi.tlm.jsd").withName("lsx.alpha"), false);
        assertThat(drms.listSeries("^lst\\.").stream().map(SeriesDefinition::name))
                .containsExactly("lst.alpha", "lst.beta");
        assertThat(drms.listSeries("ALPHA$").stream().map(SeriesDefinition::name))
                .containsExactly("lst.alpha", "lsx.alpha");
        assertThat(drms.listSeries("nothing-like-this")).isEmpty();
        assertThat(drms.listSeries(null).stream().map(SeriesDefinition::name))
                .contains("lst.alpha", "lst.beta", "lsx.alpha");
        assertThatThrownBy(() -> drms.listSeries("(")).isInstanceOf(DrmsException.class)
                .hasMessageContaining("Bad series pattern");
    }

    @Test
    void deleteSeriesRemovesTableMasterRowsAndStorageUnlessKept() throws Exception {
        for (String name : List.of("del.gone", "del.kept")) {
            drms.createSeries(jsd("aia.lev0.jsd").withName(name), false);
        }
        Path gone = recordWithAFile("del.gone");
        Path kept = recordWithAFile("del.kept");
        assertThat(gone).isRegularFile();
        assertThat(kept).isRegularFile();

        drms.deleteSeries("del.gone", false);
        assertThat(columns("del", "gone")).isEmpty();
        assertThat(masterRows("del.gone")).isZero();
        assertThat(drms.listSeries("^del\\.gone$")).isEmpty();
        assertThatThrownBy(() -> drms.describeSeries("del.gone")).isInstanceOf(DrmsException.class)
                .hasMessageContaining("Unknown series");
        Path unit = gone.getParent().getParent();
        assertThat(unit).doesNotExist();
        assertThat(count("SELECT count(*) FROM sums.sum_main WHERE owning_series = 'del.gone'")).isZero();

        drms.deleteSeries("del.kept", true);
        assertThat(columns("del", "kept")).isEmpty();
        assertThat(masterRows("del.kept")).isZero();
        assertThat(kept).isRegularFile();
        assertThat(Files.readString(kept)).isEqualTo("png bytes");
        // and a sweep does not take it: SUMS still owns the unit
        drms.sweep();
        assertThat(kept).isRegularFile();
    }

    private long records(String series) {
        return drms.read(s -> s.count(series));
    }

    private Path recordWithAFile(String series) throws Exception {
        Path src = Files.createTempFile(home, "png", ".png");
        Files.writeString(src, "png bytes");
        return drms.inSession(s -> {
            Record r = s.create(series);
            r.set("FSN", 1);
            Path stored = r.storeFile("image_png", src);
            s.close(r, DrmsSession.Action.INSERT);
            return stored;
        });
    }

    private List<String> columns(String schema, String table) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement("""
                SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ?
                ORDER BY ordinal_position""")) {
            ps.setString(1, schema);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    private String dataType(String schema, String table, String column) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement("""
                SELECT data_type FROM information_schema.columns
                WHERE table_schema = ? AND table_name = ? AND column_name = ?""")) {
            ps.setString(1, schema);
            ps.setString(2, table);
            ps.setString(3, column);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private List<String> indexDefinitions(String schema, String table) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT indexdef FROM pg_indexes WHERE schemaname = ? AND tablename = ?")) {
            ps.setString(1, schema);
            ps.setString(2, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    private long masterRows(String series) throws SQLException {
        String k = SeriesCatalog.key(series);
        return count("SELECT (SELECT count(*) FROM drms.drms_series WHERE seriesname = '" + k + "')"
                + " + (SELECT count(*) FROM drms.drms_keyword WHERE seriesname = '" + k + "')"
                + " + (SELECT count(*) FROM drms.drms_segment WHERE seriesname = '" + k + "')"
                + " + (SELECT count(*) FROM drms.drms_link WHERE seriesname = '" + k + "')");
    }

    private long count(String sql) throws SQLException {
        try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement(sql);
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
