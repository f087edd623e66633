package org.drmsbatch.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.drmsbatch.drms.Drms;
import org.drmsbatch.sums.Sums;
import org.springframework.stereotype.Component;

/**
 * {@code op=exp_su}: storage units by SUNUM ({@code sunum=} or {@code ds=}, comma-separated), answered at once as
 * JSOC's {@code url_quick} does: {@code data:[{sunum, series, path, sustatus, susize}]} with {@code sustatus} Y
 * online, N offline but archived, X offline and not archived, I unknown.
 */
@Component
public class StorageUnitRequests {

    private final Drms drms;
    private final DownloadArea downloads;

    public StorageUnitRequests(Drms drms, DownloadArea downloads) {
        this.drms = drms;
        this.downloads = downloads;
    }

    /** The answer: see the class comment. */
    Map<String, Object> answer(Map<String, String> p) {
        String list = p.get("sunum");
        String from = "sunum";
        if (list == null || list.isBlank()) {
            list = p.get("ds");
            from = "ds";
        }
        if (list == null || list.isBlank()) {
            throw new JsocExport.Refusal(JsocExport.ERROR, "There are no SUs in sunum or ds params");
        }
        String method = p.getOrDefault("method", "url_quick").trim().toLowerCase(Locale.ROOT);
        String protocol = p.getOrDefault("protocol", "as-is").trim().toLowerCase(Locale.ROOT);
        if (!method.equals("url_quick") || !(protocol.equals("as-is") || protocol.equals("su-as-is"))) {
            throw new JsocExport.Refusal(JsocExport.ERROR, "exp_su is served with method url_quick and protocol"
                    + " as-is or su-as-is, not " + method + " and " + protocol);
        }
        List<Long> sunums = new ArrayList<>();
        for (String s : list.split(",")) {
            try {
                sunums.add(Long.parseLong(s.trim()));
            } catch (NumberFormatException e) {
                throw new JsocExport.Refusal(JsocExport.ERROR, "Invalid argument in exp_su, '" + from + "=" + list
                        + "'.");
            }
        }
        Map<Long, Sums.Info> units = drms.read(s -> s.storageUnitInfo(sunums));
        List<Map<String, Object>> data = new ArrayList<>();
        long size = 0;
        for (long sunum : sunums) {
            Sums.Info i = units.get(sunum);
            if (i == null) {
                data.add(JsocExport.storageUnit(sunum, "NA", "NA", "I", 0));
            } else {
                size += i.bytes();
                String path = i.online() && i.path() != null
                        ? downloads.shown(i.path()) : "NA";
                data.add(JsocExport.storageUnit(sunum, i.owningSeries(), path,
                        i.online() ? "Y" : i.archived() ? "N" : "X", i.bytes()));
            }
        }
        return JsocExport.storageUnits(method, protocol, size, data);
    }
}
