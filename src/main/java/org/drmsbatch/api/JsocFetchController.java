package org.drmsbatch.api;

import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.Parameters;
import io.swagger.v3.oas.annotations.enums.ParameterIn;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.Map;

import org.drmsbatch.drms.DrmsException;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * JSOC's export CGIs under the same paths: {@code jsoc_fetch} ({@code op=exp_request}, {@code exp_status},
 * {@code exp_su}) and {@code checkAddress.sh}, which the python {@code drms} client calls to accept an e-mail address.
 * HTTP 200 with JSOC's JSON {@code status} and {@code error} (see {@link JsocExport}). Each op is answered by its own
 * class: {@link ExportRequests}, {@link ExportStatus}, {@link StorageUnitRequests}, {@link NotifyAddresses}.
 */
@RestController
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@RequestMapping(path = "/cgi-bin/ajax", method = {RequestMethod.GET, RequestMethod.POST},
        produces = MediaType.APPLICATION_JSON_VALUE)
@Tag(name = "JSOC")
public class JsocFetchController {

    private final ExportRequests requests;
    private final ExportStatus status;
    private final StorageUnitRequests storageUnits;
    private final NotifyAddresses addresses;

    public JsocFetchController(ExportRequests requests, ExportStatus status, StorageUnitRequests storageUnits,
            NotifyAddresses addresses) {
        this.requests = requests;
        this.status = status;
        this.storageUnits = storageUnits;
        this.addresses = addresses;
    }

    @RequestMapping("/jsoc_fetch")
    @Operation(summary = "Exports: request one, follow it, look up storage units (op=exp_request|exp_status|exp_su)",
            description = "exp_request takes ds, notify, method (url_quick, url, url-tar) and protocol (as-is, "
                    + "fits); exp_status takes requestid; exp_su takes sunum.")
    @ApiResponse(responseCode = "200", description = "JSOC's JSON: status 0 done, 1 processing, 2 queued, 3 too "
            + "large, 4 error, 5 deleted, 6 unknown request",
            content = @Content(schema = @Schema(implementation = ApiShapes.JsocAnswer.class)))
    @ApiResponse(responseCode = "403", description = "op=exp_request with drms.security.jsoc.open-exports=false, and "
            + "the credentials' roles do not include operate")
    @Parameters({
            @Parameter(name = "op", in = ParameterIn.QUERY, example = "exp_request",
                    description = "exp_request, exp_status or exp_su"),
            @Parameter(name = "ds", in = ParameterIn.QUERY, example = "demo.images[2010.05.01_TAI/2m]{image}",
                    description = "exp_request: the record-set query to export"),
            @Parameter(name = "notify", in = ParameterIn.QUERY,
                    description = "exp_request: a registered address (drms.export.allowed-addresses)"),
            @Parameter(name = "method", in = ParameterIn.QUERY, example = "url",
                    description = "url_quick, url or url-tar"),
            @Parameter(name = "protocol", in = ParameterIn.QUERY, example = "fits", description = "as-is or fits"),
            @Parameter(name = "filenamefmt", in = ParameterIn.QUERY,
                    description = "exp_request: the exported files' names"),
            @Parameter(name = "requestid", in = ParameterIn.QUERY, example = "JSOC_20261205_1",
                    description = "exp_status: the request id"),
            @Parameter(name = "sunum", in = ParameterIn.QUERY,
                    description = "exp_su: storage unit numbers, comma-separated"),
            @Parameter(name = "process", in = ParameterIn.QUERY,
                    description = "exp_request: only n=N (the record limit)")})
    public String jsocFetch(@Parameter(hidden = true) @RequestParam Map<String, String> params) {
        return JsocJson.text(jsocFetchAnswer(params));
    }

    private Object jsocFetchAnswer(Map<String, String> params) {
        String op = params.get("op");
        try {
            if (op == null || op.isBlank()) {
                throw new JsocExport.Refusal(JsocExport.ERROR, "op= is missing (exp_request, exp_status or exp_su)");
            }
            return switch (op) {
                case "exp_request" -> requests.answer(params);
                case "exp_status" -> status.of(params.get("requestid"));
                case "exp_su" -> storageUnits.answer(params);
                case "exp_repeat" -> throw new JsocExport.Refusal(JsocExport.ERROR,
                        "Re-Export requests temporarily disabled.");
                default -> throw new JsocExport.Refusal(JsocExport.ERROR, "Unknown op '" + op
                        + "' (exp_request, exp_status or exp_su)");
            };
        } catch (JsocExport.Refusal e) {
            return JsocJson.error(e.status, e.getMessage());
        } catch (DrmsException e) {
            if (JsocQueries.isSystemFailure(e)) {
                throw e;
            }
            return JsocJson.error(JsocExport.ERROR, e.getMessage());
        }
    }

    /** {@code checkAddress.sh?address=...&checkonly=1}: {@code {"status":2,"msg":...}} for an allowed address. */
    @RequestMapping("/checkAddress.sh")
    @Operation(summary = "Whether a notification address is accepted (status 2)",
            description = "drms.export.allowed-addresses decides.")
    @ApiResponse(responseCode = "200", description = "JSOC's JSON: status 2 and msg for an accepted address",
            content = @Content(schema = @Schema(implementation = ApiShapes.JsocAnswer.class)))
    @Parameters({
            @Parameter(name = "address", in = ParameterIn.QUERY, description = "the e-mail address"),
            @Parameter(name = "checkonly", in = ParameterIn.QUERY, description = "1: only check")})
    public String checkAddress(@Parameter(hidden = true) @RequestParam Map<String, String> params) {
        return JsocJson.text(checkAddressAnswer(params));
    }

    private Map<String, Object> checkAddressAnswer(Map<String, String> params) {
        return addresses.check(params.get("address"));
    }
}
