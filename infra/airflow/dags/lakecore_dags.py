"""lakecore's DAGs: ``daily_batch``, ``catalog_and_dq`` and ``weekly_housekeeping``, built from
the pipeline's flows (``lakecore.flows``) by ``entrypoints.dags`` with the worker's
``LAKECORE_*`` settings. Needs ``pip install 'lakecore[airflow]'`` on the workers."""

from entrypoints.dags import dags
from entrypoints.settings import Settings

globals().update(dags(Settings()))
