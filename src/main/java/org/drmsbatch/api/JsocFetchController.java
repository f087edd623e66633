package org.drmsbatch.api;

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
    public String jsocFetch(@RequestParam Map<String, String> params) {
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
    public String checkAddress(@RequestParam Map<String, String> params) {
        return JsocJson.text(checkAddressAnswer(params));
    }

    private Map<String, Object> checkAddressAnswer(Map<String, String> params) {
        return addresses.check(params.get("address"));
    }
}
