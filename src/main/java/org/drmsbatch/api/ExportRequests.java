package org.drmsbatch.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.drmsbatch.drms.Drms;
import org.drmsbatch.drms.DrmsException;
import org.drmsbatch.drms.query.Query;
import org.drmsbatch.drms.query.QueryException;
import org.drmsbatch.drms.query.RecordSets;
import org.drmsbatch.export.ExportSurvey;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import org.springframework.util.unit.DataSize;

/**
 * {@code op=exp_request}: export requests as JSOC's {@code jsoc_fetch} takes them (specs/drms.md §5.3, §5.4; the
 * protocol in {@link JsocExport}). The request is surveyed first ({@link ExportSurvey}): one larger than
 * {@code drms.export.max-size} is refused; {@code url_quick} with {@code as-is} is answered at once with the stored
 * files' download paths, as JSOC does when they are online; every other request starts the {@code export} job
 * under a new request id ({@link ExportRequestIds}), whose progress {@code exp_status} reports ({@link ExportStatus}).
 */
@Component
public class ExportRequests {

    /** The longest text a job parameter holds (the job repository's column). */
    static final int MAX_PARAMETER = 2500;

    private final Drms drms;
    private final RecordSets recordSets;
    private final NotifyAddresses addresses;
    private final ExportRequestIds requestIds;
    private final ExportStatus status;
    private final DownloadArea downloads;
    private final long maxBytes;

    public ExportRequests(Drms drms, RecordSets recordSets, NotifyAddresses addresses, ExportRequestIds requestIds,
            ExportStatus status, DownloadArea downloads, @Value("${drms.export.max-size:100GB}") DataSize maxSize) {
        this.drms = drms;
        this.recordSets = recordSets;
        this.addresses = addresses;
        this.requestIds = requestIds;
        this.status = status;
        this.downloads = downloads;
        this.maxBytes = maxSize.toBytes();
    }

    /** The answer: see the class comment. */
    Map<String, Object> answer(Map<String, String> p) {
        String notify = p.get("notify");
        if (notify == null || notify.isBlank()) {
            throw new JsocExport.Refusal(JsocExport.ERROR,
                    "Email address for notification was not specfied. It is required."); // sic
        }
        Map<String, Object> check = addresses.check(notify);
        if (!Integer.valueOf(NotifyAddresses.ACCEPTED).equals(check.get("status"))) {
            throw new JsocExport.Refusal(JsocExport.ERROR, "Cannot process your request. " + check.get("msg"));
        }
        JsocExport.Request request = JsocExport.Request.of(p);
        Query query = parse(request.query());
        String series = query.sets().get(0).series();
        if (query.sets().stream().anyMatch(s -> !s.series().equalsIgnoreCase(series))) {
            throw new JsocExport.Refusal(JsocExport.ERROR, "Cannot specify subsets of records from different series.");
        }
        ExportSurvey survey = ExportSurvey.of(drms, recordSets, query, request.limit());
        if (survey.files().isEmpty()) {
            throw new JsocExport.Refusal(JsocExport.ERROR, "There are no files in this RecordSet");
        }
        int records = survey.records().size();
        if (survey.bytes() > maxBytes) {
            return JsocExport.tooLarge(request, records, survey.bytes(), maxBytes);
        }
        if (request.quick() && survey.allOnline()) {
            return quick(request, survey);
        }
        String ds = request.limit() == 0 ? request.query()
                : survey.recnumQuery(series, query.sets().get(0).segments()); // the limit as a recnum list
        if (ds.length() > MAX_PARAMETER) {
            throw new JsocExport.Refusal(JsocExport.ERROR, "The record-set query is " + ds.length()
                    + " characters long, more than the " + MAX_PARAMETER + " an export request can hold; narrow"
                    + " the query");
        }
        // the export job's parameters
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("ds", ds);
        parameters.put("method", request.method());
        parameters.put("protocol", request.protocol());
        parameters.put("ffmt", request.filenameFormat());
        if (request.cparms() != null && !request.cparms().isEmpty()) {
            parameters.put("cparms", request.cparms());
        }
        String requestId = requestIds.startExport(parameters);
        status.remember(requestId, records, JsocExport.megabytes(survey.bytes()));
        return JsocExport.queued(requestId, request, records, survey.bytes());
    }

    private Query parse(String ds) {
        try {
            return recordSets.parseWithoutFiles(ds);
        } catch (QueryException e) {
            if (e.reason().startsWith("unknown series")) {
                throw new JsocExport.Refusal(JsocExport.ERROR, "Cannot export series '" + JsocQueries.seriesName(ds)
                        + "' - it does not exist.");
            }
            throw new JsocExport.Refusal(JsocExport.ERROR, "Bad record-set query '" + ds + "'. " + e.getMessage());
        } catch (DrmsException e) {
            if (JsocQueries.isSystemFailure(e)) {
                throw e;
            }
            throw new JsocExport.Refusal(JsocExport.ERROR, "Bad record-set query '" + ds + "'. " + e.getMessage());
        }
    }

    /** The stored files' download paths at once; handing them out touches the units' retention, as DRMS does. */
    private Map<String, Object> quick(JsocExport.Request request, ExportSurvey survey) {
        drms.inSession(session -> {
            session.touch(survey.records());
            return null;
        });
        List<Map<String, Object>> files = new ArrayList<>();
        for (ExportSurvey.ExportFile f : survey.files()) {
            files.add(JsocExport.file(f.record(), downloads.shown(f.file())));
        }
        return JsocExport.quick(request, survey.records().size(), survey.bytes(), files);
    }
}
