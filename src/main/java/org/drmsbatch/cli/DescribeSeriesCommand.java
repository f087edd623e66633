package org.drmsbatch.cli;

import java.util.concurrent.Callable;

import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.KeywordDef;
import org.drmsbatch.drms.LinkDef;
import org.drmsbatch.drms.SegmentDef;
import org.drmsbatch.drms.SeriesDefinition;
import org.drmsbatch.drms.query.RecordSets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "describe-series", mixinStandardHelpOptions = true,
        description = "Describe a series: information, prime keys, keywords, links, segments and record count.")
class DescribeSeriesCommand implements Callable<Integer> {

    @ParentCommand
    DrmsCommand drms;

    @Parameters(index = "0", paramLabel = "SERIES")
    String series;

    @Override
    public Integer call() {
        drms.readOnly();
        Drms d = drms.bean(Drms.class);
        SeriesDefinition def = d.describeSeries(series);
        long count = drms.bean(RecordSets.class).recordCount(def.name());
        System.out.println(describe(def, count));
        return DrmsCommand.OK;
    }

    static String describe(SeriesDefinition def, long count) {
        StringBuilder sb = new StringBuilder();
        sb.append("Series:       ").append(def.name()).append('\n');
        sb.append("Description:  ").append(nz(def.description())).append('\n');
        sb.append("Author:       ").append(nz(def.author())).append('\n');
        sb.append("Owner:        ").append(nz(def.owner())).append('\n');
        sb.append("Unitsize:     ").append(def.unitSize()).append('\n');
        sb.append("Archive:      ").append(def.archive()).append('\n');
        sb.append("Retention:    ").append(def.retention()).append(" days\n");
        sb.append("Tapegroup:    ").append(def.tapeGroup()).append('\n');
        sb.append("Prime keys:   ").append(String.join(", ", def.primeKeys())).append('\n');
        if (!def.dbIndex().isEmpty()) {
            sb.append("DB index:     ").append(String.join(", ", def.dbIndex())).append('\n');
        }
        sb.append("Records:      ").append(count).append('\n');
        sb.append("Keywords:\n");
        for (KeywordDef k : def.explicitKeywords()) {
            if (k.isLink()) {
                sb.append(String.format("  %-20s link %s->%s  %s%n", k.name(), k.linkName(), k.targetKeyword(),
                        nz(k.description())));
            } else {
                sb.append(String.format("  %-20s %-8s %-9s %-10s %s%n", k.name(), k.type().jsdName(),
                        k.recScope().jsdName(), nz(k.unit()), nz(k.description())));
            }
        }
        if (!def.links().isEmpty()) {
            sb.append("Links:\n");
            for (LinkDef l : def.links()) {
                sb.append(String.format("  %-20s %-8s -> %s  %s%n", l.name(), l.type().name().toLowerCase(),
                        l.targetSeries(), nz(l.description())));
            }
        }
        if (!def.segments().isEmpty()) {
            sb.append("Segments:\n");
            for (SegmentDef s : def.segments()) {
                if (s.isLink()) {
                    sb.append(String.format("  %-20s link %s->%s%n", s.name(), s.linkName(), s.targetSegment()));
                } else {
                    sb.append(String.format("  %-20s %-8s %-8s %-7s dims %s %s %s%n", s.name(), s.scope().jsdName(),
                            s.type().jsdName(), s.protocol().jsdName(), s.dims(), nz(s.cparms()), nz(s.description())));
                }
            }
        }
        return sb.toString().stripTrailing();
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
