"""One Sage Intacct ⇄ Business Center sync DAG per entity listed in include/entities.yaml.

Parsing does no I/O beyond reading that file. Entries with problems are left out here and reported as an
Airflow import error by intacct_sync_config_check.py, so one bad entry never hides the other entities.
"""

from __future__ import annotations

from airflow.sdk import get_parsing_context

from intacct.operators.entity_config import entities_path, load_entities
from intacct.operators.entity_dag import build_entity_dags

_configuration = load_entities(entities_path(__file__))
globals().update(build_entity_dags(_configuration.entities, only_dag_id=get_parsing_context().dag_id))
