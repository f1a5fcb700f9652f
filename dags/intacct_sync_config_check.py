"""Reports problems of include/entities.yaml as an Airflow import error that names the entry and field.

The DAGs of the valid entries are built by intacct_sync.py; this file holds no DAG. Airflow shows its
import error on the DAGs page until the configuration is fixed.
"""

from __future__ import annotations

from intacct.operators.entity_config import EntityConfigurationError, entities_path, load_entities

_configuration = load_entities(entities_path(__file__))
if _configuration.problems:
    raise EntityConfigurationError(_configuration.problem_report())
