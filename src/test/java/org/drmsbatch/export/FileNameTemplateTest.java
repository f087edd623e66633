package org.drmsbatch.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Template parsing and its refusals (names from records are tested with the export job). */
class FileNameTemplateTest {

    @Test
    void theDefaultIsJsocs() {
        assertThat(FileNameTemplate.parse(null).text()).isEqualTo("{seriesname}.{recnum:%lld}.{segment}");
        assertThat(FileNameTemplate.parse(" ").text()).isEqualTo(FileNameTemplate.DEFAULT);
    }

    @Test
    void badTemplatesAreRefusedWithThePosition() {
        assertThatThrownBy(() -> FileNameTemplate.parse("{seriesname}.{recnum"))
                .hasMessageContaining("position 14").hasMessageContaining("unterminated '{'");
        assertThatThrownBy(() -> FileNameTemplate.parse("a}b{recnum}")).hasMessageContaining("'}' without '{'");
        assertThatThrownBy(() -> FileNameTemplate.parse("../{recnum}")).hasMessageContaining("position 3")
                .hasMessageContaining("would leave the export directory");
        assertThatThrownBy(() -> FileNameTemplate.parse("{recnum}\\x")).hasMessageContaining("leave");
        assertThatThrownBy(() -> FileNameTemplate.parse("{}.fits")).hasMessageContaining("empty field");
        assertThatThrownBy(() -> FileNameTemplate.parse("{a b}")).hasMessageContaining("bad field name");
        assertThatThrownBy(() -> FileNameTemplate.parse("plain.fits")).hasMessageContaining("no field");
        assertThatThrownBy(() -> FileNameTemplate.parse("{seriesname}.fits")).hasMessageContaining("same name");
    }

    @Test
    void requestIdsAndCompressionStrings() {
        assertThat(ExportRoot.checkRequestId("JSOC_20261125_000123")).isEqualTo("JSOC_20261125_000123");
        assertThatThrownBy(() -> ExportRoot.checkRequestId("..")).hasMessageContaining("bad requestId");
        assertThatThrownBy(() -> ExportRoot.checkRequestId("a/b")).hasMessageContaining("bad requestId");
        assertThat(ExportCompression.parse("**NONE**").compressed()).isFalse();
        assertThat(ExportCompression.parse("compress Rice").toString()).isEqualTo("compress Rice");
        assertThat(ExportCompression.parse("rice").toString()).isEqualTo("compress Rice");
        assertThat(ExportCompression.parse("gzip1").toString()).isEqualTo("compress GZIP");
        assertThat(ExportCompression.parse(null)).isNull();
        assertThatThrownBy(() -> ExportCompression.parse("zip")).hasMessageContaining("unknown compression 'zip'");
        assertThat(ExportProtocol.of("FITS,compress Rice")).isEqualTo(ExportProtocol.FITS);
        assertThat(ExportProtocol.cparmsOf("FITS,compress Rice")).isEqualTo("compress Rice");
        assertThat(ExportMethod.of("URL-TAR")).isEqualTo(ExportMethod.URL_TAR);
    }
}
