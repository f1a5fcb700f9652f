# Airflow 3.3.2 with the Intacct sync installed from this repository.
FROM apache/airflow:3.3.2

ARG AIRFLOW_VERSION=3.3.2
ENV INTACCT_SYNC_HOME=/opt/intacct-sync

# The pinned runtime dependencies first (a layer that changes only with the lock file): requirements.txt
# holds no test tools (those are in requirements-dev.txt). Re-pinning apache-airflow in the same command
# keeps pip from moving Airflow itself.
COPY --chown=airflow:root requirements.txt ${INTACCT_SYNC_HOME}/requirements.txt
RUN pip install --no-cache-dir "apache-airflow==${AIRFLOW_VERSION}" -r ${INTACCT_SYNC_HOME}/requirements.txt

# Then the project, installed as a distribution so Airflow discovers the "intacct" connection type
# (provider entry point); the warehouse DDL is package data (intacct/warehouse/sql).
COPY --chown=airflow:root pyproject.toml README.md ${INTACCT_SYNC_HOME}/
COPY --chown=airflow:root plugins/intacct ${INTACCT_SYNC_HOME}/plugins/intacct
COPY --chown=airflow:root include ${INTACCT_SYNC_HOME}/include
COPY --chown=airflow:root dags ${INTACCT_SYNC_HOME}/dags
COPY --chown=airflow:root intacct_emulator ${INTACCT_SYNC_HOME}/intacct_emulator
RUN pip install --no-cache-dir --no-deps ${INTACCT_SYNC_HOME}

# The emulator (an optional compose service) is a top-level package of the repository.
ENV PYTHONPATH=${INTACCT_SYNC_HOME}
ENV AIRFLOW__CORE__DAGS_FOLDER=${INTACCT_SYNC_HOME}/dags
WORKDIR ${INTACCT_SYNC_HOME}
