"""A small client of the drms-batch server for the Airflow DAGs (and anyone else).

It speaks the glitchflow buffer API (POST /train, GET /stats) and the job-control API
(POST /api/jobs/{name}, GET /api/jobs/executions/{id}). Plain Python with `requests`, so that the DAG logic is
tested against a running server without Airflow installed.
"""

import json
import os
import time

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
    """A job ended in another state than COMPLETED; carries the execution as the server described it."""

    def __init__(self, execution):
        super().__init__("job %s (execution %s) ended %s: %s" % (
            execution.get("job"), execution.get("executionId"), execution.get("status"),
            execution.get("exitMessage") or execution.get("exitCode")))
        self.execution = execution


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
                if r.status_code < 500:
                    r.raise_for_status()
                    return r
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
