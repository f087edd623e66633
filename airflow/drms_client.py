"""A small client of the drms-batch server for the Airflow DAGs (and anyone else).

It speaks the glitchflow buffer API (POST /train, GET /stats), the job-control API
(GET /api/jobs/{name}, POST /api/jobs/{name}, GET /api/jobs/executions/{id}) and the staging API (POST /api/staging,
GET/DELETE /api/staging/{id}). Plain Python with `requests`, so that the DAG logic is tested against a running
server without Airflow installed.
"""

import json
import os
import time
from datetime import timezone

import requests

WAITING = "WAITING"
FROZEN = "FROZEN"
DEFAULT_URL = os.environ.get("DRMS_URL", "http://localhost:8080")


def local_token():
    """The API token for a server on this host: DRMS_API_TOKEN, else the one the server keeps in
    <DRMS_HOME or ~/.drms>/api-token (readable only by its owner), else None."""
    token = os.environ.get("DRMS_API_TOKEN")
    if token:
        return token.strip()
    home = os.environ.get("DRMS_HOME") or os.path.join(os.path.expanduser("~"), ".drms")
    try:
        with open(os.path.join(home, "api-token"), encoding="ascii") as f:
            return f.read().strip() or None
    except OSError:
        return None


def _is_local(url):
    """Whether the URL names this host (a loopback address or localhost)."""
    import ipaddress
    from urllib.parse import urlparse
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def client_from_connection(conn, **kwargs):
    """A DrmsClient for an Airflow connection (any object with host, port, schema, login, password).

    The password is the API token when the login is empty or "token"; otherwise login and password are an HTTP
    Basic user of the server (drms.security.users). The host may be a whole URL (http://host:port) or a name.
    """
    host = (conn.host or "localhost").rstrip("/")
    if "://" not in host:
        host = "%s://%s" % (conn.schema or "http", host)
        if conn.port:
            host = "%s:%s" % (host, conn.port)
    if not conn.login or conn.login == "token":
        return DrmsClient(host, token=conn.password or None, **kwargs)
    return DrmsClient(host, auth=(conn.login, conn.password or ""), **kwargs)


class JobFailed(RuntimeError):
    """A job ended in another state than COMPLETED; carries the execution as the server described it. The message
    says why: the first lines of the execution's exit description (a failure's message, then its stack trace)."""

    def __init__(self, execution):
        super().__init__("job %s (execution %s) ended %s: %s" % (
            execution.get("job"), execution.get("executionId"), execution.get("status"),
            _reason(execution.get("exitDescription")) or execution.get("exitCode")))
        self.execution = execution


def _reason(description, lines=6, chars=1500):
    """The head of an exit description: its first lines (the failure's message and where it happened)."""
    if not description:
        return None
    head = "\n".join(description.strip().splitlines()[:lines])
    return head if len(head) <= chars else head[:chars] + " ..."


class StagingFailed(RuntimeError):
    """A staging request ended without every file ready (files in error, expired, cancelled); carries the request
    as the server described it, with its files."""

    def __init__(self, request):
        not_staged = [f for f in request.get("files") or [] if f.get("state") != "ready"]
        shown = "; ".join("%s: %s" % (f.get("path"), f.get("reason") or f.get("state")) for f in not_staged[:10])
        super().__init__("staging request %s ended %s (return code %s): %s%s" % (
            request.get("id"), request.get("state"), request.get("return_code"),
            request.get("comment") or "%s of %s files ready" % (request.get("ready"), request.get("total")),
            (" [" + shown + (" ..." if len(not_staged) > 10 else "") + "]") if shown else ""))
        self.request = request


class DrmsClient:
    """Credentials: `token` (the server's API token, sent as Authorization: Bearer) or `auth` (user, password) for
    HTTP Basic; with neither, for a server on this host (localhost, a loopback address), the local token (see
    local_token) when there is one."""

    def __init__(self, base_url=DEFAULT_URL, timeout=30.0, retries=3, backoff=2.0, token=None, auth=None):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.session = requests.Session()
        self._described = {}  # GET /api/jobs/{name} answers, by name
        if auth is not None:
            self.session.auth = tuple(auth)
        else:
            if not token and _is_local(self.base_url):
                token = local_token()  # the local token goes only to a server on this host
            if token:
                self.session.headers["Authorization"] = "Bearer " + token

    def close(self):
        self.session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _request(self, method, path, **kwargs):
        """One HTTP call, retried on connection errors and 5xx answers; 4xx raise at once."""
        last = None
        for attempt in range(self.retries + 1):
            try:
                r = self.session.request(method, self.base_url + path, timeout=self.timeout, **kwargs)
                if r.status_code < 400:
                    return r
                if r.status_code < 500:  # the server's reason (problem JSON's detail) in the message
                    raise requests.HTTPError("%s %s: %s %s" % (method, path, r.status_code, _detail(r)),
                                             response=r)
                last = requests.HTTPError("%s %s: %s %s" % (method, path, r.status_code, r.text[:200]), response=r)
            except requests.ConnectionError as e:
                last = e
            if attempt < self.retries:
                time.sleep(self.backoff * (attempt + 1))
        raise last

    # ---- the buffer (glitchflow API) ----

    def train(self, user="airflow"):
        """POST /train as operator `user` (the client's credentials authenticate it): freezes the buffer when it
        is full. Returns (state, answer): state FROZEN or WAITING."""
        r = self._request("POST", "/train", json={"user": user, "token": ""})
        answer = r.json()
        state = answer if isinstance(answer, str) else answer.get("status") or answer.get("resp") or answer.get("state")
        return state, answer

    def stats(self):
        """GET /stats: the buffer's counters and state."""
        return self._request("GET", "/stats").json()

    def buffer_ready(self, threshold):
        """Whether the buffer holds at least `threshold` bytes (what the Trainpipe sensor waits for)."""
        return buffer_reached(self.stats(), threshold)

    # ---- jobs ----

    def start_job(self, name, parameters=None):
        """POST /api/jobs/{name}: starts a job; returns its execution id."""
        r = self._request("POST", "/api/jobs/" + name, json=parameters or {})
        return r.json()["executionId"]

    def execution(self, execution_id):
        """GET /api/jobs/executions/{id}: status, exit status and step counts."""
        return self._request("GET", "/api/jobs/executions/%s" % execution_id).json()

    def wait_for(self, execution_id, poll=2.0, timeout=3600.0):
        """Polls an execution until it ends; returns it when COMPLETED, raises JobFailed otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            ex = self.execution(execution_id)
            if ex.get("status") not in ("STARTING", "STARTED", "STOPPING"):
                if ex.get("status") != "COMPLETED":
                    raise JobFailed(ex)
                return ex
            if time.monotonic() > deadline:
                raise TimeoutError("execution %s still %s after %s s" % (execution_id, ex.get("status"), timeout))
            time.sleep(poll)

    def run_job(self, name, parameters=None, poll=2.0, timeout=3600.0):
        """Starts a job and waits for it: the execution when COMPLETED, JobFailed otherwise."""
        return self.wait_for(self.start_job(name, parameters), poll=poll, timeout=timeout)

    def job(self, name):
        """GET /api/jobs/{name}: the job's name and its parameter names, `required` and `optional` (both None when
        the job does not say which it takes)."""
        return self._request("GET", "/api/jobs/" + name).json()

    def takes(self, name, parameter):
        """Whether the job takes a parameter of that name (False when the job does not say)."""
        described = self._described.get(name)
        if described is None:
            described = self._described[name] = self.job(name)
        return parameter in (described.get("required") or []) + (described.get("optional") or [])

    def run_step(self, job, parameters=None, ds=None, run=None, poll=2.0, timeout=3600.0):
        """Runs one step of a pipeline as a drms pipeline does, so that running it again (an Airflow retry) is safe.

        `ds`, the record set the step before made, becomes the job's ds unless `parameters` give one. `run` names
        the job instance when the job takes the parameter run (GET /api/jobs/{job} says): give the same one on every
        try of the step, e.g. step_run(...). Then a try after a failed one restarts the same job instance, which
        resumes after its last committed chunk; a try while the instance still runs (the earlier try's worker died)
        waits for that execution; and a try after it COMPLETED (409 "already completed") takes that execution
        instead of failing. The same holds for a job without run, whose identifying parameters name the instance.

        Returns the COMPLETED execution, whose `output` (None when the job names none) is the next step's ds; raises
        JobFailed (its message says why) when the job ends otherwise, requests.HTTPError when the server refuses the
        start (bad parameters: 400, with the reason)."""
        params = dict(parameters or {})
        if ds is not None and "ds" not in params:
            params["ds"] = ds
        if run is not None:
            if "run" in params:
                raise ValueError("run_step: the parameters of job %s give run (%r): the step's run names its job "
                                 "instance; leave it out" % (job, params["run"]))
            if self.takes(job, "run"):
                params["run"] = run
        try:
            execution_id = self.start_job(job, params)
        except requests.HTTPError as e:
            existing = conflicting_execution(e)
            if existing is None:
                raise
            execution = self.execution(existing)
            if execution.get("status") == "COMPLETED":
                return execution  # done by an earlier try: its output, no new execution
            execution_id = existing  # still running (an earlier try's): wait for it
        return self.wait_for(execution_id, poll=poll, timeout=timeout)

    # ---- staging (files back from tape) ----

    def stage(self, ds=None, sunum=None, paths=None, notify_url=None):
        """POST /api/staging: asks for files to come back from tape, named by exactly one of a record-set query
        (`ds`), storage unit numbers (`sunum`, a list or one) or SUMS paths (`paths`). The request is stored before
        the answer; returns its id."""
        given = [name for name, value in (("ds", ds), ("sunum", sunum), ("paths", paths)) if value is not None]
        if len(given) != 1:
            raise ValueError("stage: name the files with exactly one of ds, sunum or paths (given: %s)"
                             % (", ".join(given) or "none"))
        body = {}
        if ds is not None:
            body["ds"] = ds
        if sunum is not None:
            body["sunum"] = list(sunum) if isinstance(sunum, (list, tuple, set)) else [sunum]
        if paths is not None:
            body["paths"] = [paths] if isinstance(paths, str) else list(paths)
        if notify_url is not None:
            body["notify_url"] = notify_url
        return self._request("POST", "/api/staging", json=body).json()["id"]

    def staging_status(self, request_id, files=False):
        """GET /api/staging/{id}: state, counts (total, ready, error, waiting, cancelled), percent, return_code,
        comment; with files=True each file's state, reason and times."""
        return self._request("GET", "/api/staging/%s" % request_id,
                             params={"files": "true"} if files else None).json()

    def staging_done(self, request_id):
        """For a sensor: False while the request's files are still coming back, True once every file is ready;
        raises StagingFailed when it ended otherwise (files in error, expired, cancelled)."""
        status = self.staging_status(request_id)
        if not status.get("ended"):
            return False
        if status.get("state") in ("expired", "cancelled") or status.get("ready") != status.get("total"):
            raise StagingFailed(self.staging_status(request_id, files=True))
        return True

    def wait_for_staging(self, request_id, poll=2.0, timeout=3600.0):
        """Polls a staging request until it ends; returns its status when every file is ready, raises StagingFailed
        otherwise."""
        deadline = time.monotonic() + timeout
        while not self.staging_done(request_id):
            if time.monotonic() > deadline:
                raise TimeoutError("staging request %s not done after %s s" % (request_id, timeout))
            time.sleep(poll)
        return self.staging_status(request_id)

    def cancel_staging(self, request_id):
        """DELETE /api/staging/{id}: its waiting files are no longer staged for it; returns the request then."""
        return self._request("DELETE", "/api/staging/%s" % request_id).json()

    def staging_requests(self, include_ended=False):
        """GET /api/staging: the requests, newest first (include_ended=True: also those that have ended)."""
        return self._request("GET", "/api/staging", params={"all": "true"} if include_ended else None).json()


def _detail(response):
    """The reason of a refused request: the problem JSON's detail, else the start of the body."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and body.get("detail"):
        return body["detail"]
    return response.text[:300]


def conflicting_execution(error):
    """The execution id a 409 answer to a job start names (the job instance runs or completed already), or None."""
    response = getattr(error, "response", None)
    if response is None or response.status_code != 409:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("executionId") if isinstance(body, dict) else None


# ---- pipelines of steps, as drms.pipelines.<name>.steps (the NightlyPipeline DAG) ----

TEMPLATES = ("{ds}", "{ds_nodash}", "{drms_date}")


def pipeline_steps(text, where="DRMS_PIPELINE_STEPS"):
    """The steps of a pipeline from JSON text: a list of {"job": name, "parameters": {name: value}} exactly like
    drms.pipelines.<name>.steps. Values are strings (numbers and booleans are taken as their text), in the job API's
    notation value[,type[,identifying]]. Refuses, naming the place, anything else: no step, a step without a job,
    unknown keys, a parameter value that is a list or an object, and `run` (the DAG names each step's instance)."""
    try:
        steps = json.loads(text)
    except ValueError as e:
        raise ValueError("%s is not JSON: %s" % (where, e)) from None
    if not isinstance(steps, list) or not steps:
        raise ValueError("%s: a pipeline is a non-empty list of steps {\"job\": ..., \"parameters\": {...}}" % where)
    checked = []
    for i, step in enumerate(steps):
        at = "%s[%d]" % (where, i)
        if not isinstance(step, dict):
            raise ValueError("%s: a step is an object {\"job\": ..., \"parameters\": {...}}, not %r" % (at, step))
        unknown = sorted(set(step) - {"job", "parameters"})
        if unknown:
            raise ValueError("%s: unknown key(s) %s (a step has job and parameters)" % (at, ", ".join(unknown)))
        job = step.get("job")
        if not isinstance(job, str) or not job.strip():
            raise ValueError("%s.job: every step names a job" % at)
        parameters = step.get("parameters") or {}
        if not isinstance(parameters, dict):
            raise ValueError("%s.parameters: an object of name: value" % at)
        values = {}
        for name, value in parameters.items():
            if isinstance(value, (dict, list)) or value is None:
                raise ValueError("%s.parameters.%s: a string, number or boolean, not %r" % (at, name, value))
            values[name] = str(value).lower() if isinstance(value, bool) else str(value)
        if "run" in values:
            raise ValueError("%s.parameters: 'run' is the DAG's (each step's job instance is named after the DAG "
                             "run: <dag id>-<logical date>-<step number>)" % at)
        checked.append({"job": job.strip(), "parameters": values})
    return checked


def step_task_id(number, job):
    """The Airflow task id of step `number` (1-based) running `job`: step<number>_<job>."""
    return "step%d_%s" % (number, "".join(c if c.isalnum() or c in "-_." else "_" for c in job))


def step_run(dag_id, logical_date, number, run_id=None):
    """The `run` of step `number` of a DAG run: <dag id>-<logical date, UTC, e.g. 20261205T020000Z>-<number>, the
    same on every try of the step, so that a retry continues the same job instance. A run without a logical date
    (Airflow 3, triggered by hand) is named by its run id instead."""
    if logical_date is not None:
        when = logical_date if logical_date.tzinfo else logical_date.replace(tzinfo=timezone.utc)
        name = when.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    elif run_id:
        name = "".join(c if c.isalnum() or c in "-_.:+" else "_" for c in run_id)
    else:
        raise ValueError("step_run: the DAG run has neither a logical date nor a run id")
    return "%s-%s-%d" % (dag_id, name, number)


def render_parameters(parameters, logical_date):
    """The parameters with the logical date (UTC) in place of {ds} (2026-12-05), {ds_nodash} (20261205) and
    {drms_date} (2026.12.05, DRMS's date notation: "edw.raw[{drms_date}_UTC/1d]"). Nothing else is replaced, so the
    braces of a record-set query's segment list ({image,counts}) stay as they are."""
    if logical_date is None:
        used = sorted({t for t in TEMPLATES for v in parameters.values() if t in v})
        if used:
            raise ValueError("the parameters use %s, but the DAG run has no logical date" % ", ".join(used))
        return dict(parameters)
    if logical_date.tzinfo is not None:
        logical_date = logical_date.astimezone(timezone.utc)
    values = {"{ds}": logical_date.strftime("%Y-%m-%d"), "{ds_nodash}": logical_date.strftime("%Y%m%d"),
              "{drms_date}": logical_date.strftime("%Y.%m.%d")}
    rendered = {}
    for name, value in parameters.items():
        for template, text in values.items():
            value = value.replace(template, text)
        rendered[name] = value
    return rendered


def step_input(steps, index, previous_output):
    """The ds step `index` (0-based) takes from the step before it: None when it is the first or its parameters give
    ds; else that step's output, and an error saying what to do when there is none."""
    if index == 0 or "ds" in steps[index]["parameters"]:
        return None
    if not previous_output:
        raise ValueError("step %d (%s) takes the records of step %d (%s), which named none (its job sets no "
                         "output.ds); give the step a ds parameter" % (index + 1, steps[index]["job"], index,
                                                                        steps[index - 1]["job"]))
    return previous_output


def staged_export_id(staging_id):
    """The export request id for the export of a staging request's data: the same staging request always gives the
    same id, so a retried export task finds its export instead of making a second one."""
    return "staged-%s" % staging_id


def buffer_reached(stats, threshold):
    """The Trainpipe sensor's response check on the JSON of GET /stats: at least `threshold` bytes buffered."""
    size = stats.get("buff_size") if isinstance(stats, dict) else None
    if not isinstance(size, (int, float)):
        raise ValueError("GET /stats answered without a numeric buff_size: %r" % (stats,))
    return size >= threshold


def branch_on_train(state, waiting_task="next_sensor", ready_task="next_metrics"):
    """The Trainpipe branch: wait for the buffer when /train answered WAITING, else go on."""
    return waiting_task if state == WAITING else ready_task


if __name__ == "__main__":
    import sys
    client = DrmsClient(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_URL)
    print(json.dumps(client.stats(), indent=2))
