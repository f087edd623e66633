"""A stand-in for the few Airflow names a DAG file imports, so that the DAG's graph and its task callables can be
checked where Airflow is not installed. `loaded_dag(path)` imports a DAG file with these stand-ins in sys.modules
(only for the import) and returns the module; its DAG object records the tasks and their edges."""

import contextlib
import importlib.util
import sys
import types


class FakeDag:
    current = None

    def __init__(self, dag_id, **kwargs):
        self.dag_id = dag_id
        self.kwargs = kwargs
        self.tasks = {}

    def __enter__(self):
        FakeDag.current = self
        return self

    def __exit__(self, *exc):
        FakeDag.current = None

    def get_task(self, task_id):
        return self.tasks[task_id]


class FakeOperator:
    def __init__(self, task_id, **kwargs):
        self.task_id = task_id
        self.kwargs = kwargs
        self.downstream_task_ids = set()
        FakeDag.current.tasks[task_id] = self

    def __rshift__(self, other):
        for o in other if isinstance(other, (list, tuple)) else [other]:
            self.downstream_task_ids.add(o.task_id)
        return other


class PythonOperator(FakeOperator):
    pass


class PythonSensor(FakeOperator):
    pass


@contextlib.contextmanager
def _modules():
    names = {
        "airflow": {},
        "airflow.sdk": {"DAG": FakeDag},
        "airflow.providers": {},
        "airflow.providers.standard": {},
        "airflow.providers.standard.operators": {},
        "airflow.providers.standard.operators.python": {"PythonOperator": PythonOperator},
        "airflow.providers.standard.sensors": {},
        "airflow.providers.standard.sensors.python": {"PythonSensor": PythonSensor},
    }
    saved = {name: sys.modules.get(name) for name in names}
    try:
        for name, attrs in names.items():
            module = types.ModuleType(name)
            module.__path__ = []
            for key, value in attrs.items():
                setattr(module, key, value)
            sys.modules[name] = module
        yield
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


def loaded_dag(path, module_name):
    """Imports the DAG file at `path` as `module_name` with the stand-ins; returns the module."""
    with _modules():
        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return module


class FakeTaskInstance:
    """What a task callable asks of its task instance: XCom values by task id."""

    def __init__(self, xcoms):
        self.xcoms = dict(xcoms)

    def xcom_pull(self, task_ids):
        return self.xcoms[task_ids]
