"""The DAG files: always syntax-checked and their graphs checked with stand-ins for Airflow (fake_airflow);
imported by Airflow itself and their graphs checked where Airflow is installed."""

import os
import py_compile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
DAG_FILE = os.path.join(HERE, "..", "dags", "trainpipe.py")
STAGE_EXPORT_FILE = os.path.join(HERE, "..", "dags", "stage_export.py")
NIGHTLY_PIPELINE_FILE = os.path.join(HERE, "..", "dags", "nightly_pipeline.py")

try:
    import airflow
    # run from the repository root, "airflow" is also this folder (a namespace package without a version)
    HAVE_AIRFLOW = hasattr(airflow, "__version__")
except ImportError:
    HAVE_AIRFLOW = False


class DagFileTest(unittest.TestCase):
    def test_dag_file_compiles(self):
        py_compile.compile(DAG_FILE, doraise=True)
        py_compile.compile(STAGE_EXPORT_FILE, doraise=True)
        py_compile.compile(NIGHTLY_PIPELINE_FILE, doraise=True)
        py_compile.compile(os.path.join(HERE, "..", "drms_client.py"), doraise=True)

    @unittest.skipUnless(HAVE_AIRFLOW, "Airflow is not installed here")
    def test_dag_imports_with_its_graph(self):
        from airflow.models import DagBag
        bag = DagBag(dag_folder=os.path.dirname(DAG_FILE), include_examples=False)
        self.assertEqual({}, bag.import_errors)
        dag = bag.get_dag("Trainpipe")
        self.assertEqual({"next_sensor", "next_metrics"}, dag.get_task("check_frz_sign").downstream_task_ids)
        self.assertEqual({"snapshot"}, dag.get_task("collect").downstream_task_ids)
        stage_export = bag.get_dag("StageExport")
        self.assertEqual({"staged"}, stage_export.get_task("stage").downstream_task_ids)
        self.assertEqual({"export"}, stage_export.get_task("staged").downstream_task_ids)
        self.assertEqual("reschedule", stage_export.get_task("staged").mode)
        nightly = bag.get_dag("NightlyPipeline")  # its default steps unless DRMS_PIPELINE_STEPS says otherwise
        self.assertEqual(1, nightly.max_active_runs)
        self.assertFalse(nightly.catchup)
        if not os.environ.get("DRMS_PIPELINE_STEPS"):
            self.assertEqual({"step2_rescale"}, nightly.get_task("step1_rescale").downstream_task_ids)

    def test_stage_export_graph_with_airflow_stand_ins(self):
        import fake_airflow
        module = fake_airflow.loaded_dag(STAGE_EXPORT_FILE, "stage_export_graph_check")
        dag = module.dag
        self.assertEqual("StageExport", dag.dag_id)
        self.assertEqual({"ds": ""}, dag.kwargs["params"])
        self.assertEqual({"stage", "staged", "export"}, set(dag.tasks))
        self.assertEqual({"staged"}, dag.get_task("stage").downstream_task_ids)
        self.assertEqual({"export"}, dag.get_task("staged").downstream_task_ids)
        self.assertEqual(set(), dag.get_task("export").downstream_task_ids)
        sensor = dag.get_task("staged")
        self.assertIsInstance(sensor, fake_airflow.PythonSensor)
        self.assertEqual("reschedule", sensor.kwargs["mode"])
        self.assertIs(module.staged, sensor.kwargs["python_callable"])
        with self.assertRaises(ValueError) as no_ds:
            module.stage(params={"ds": " "})
        self.assertIn("param ds", str(no_ds.exception))


if __name__ == "__main__":
    unittest.main()
