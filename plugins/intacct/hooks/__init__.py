"""Airflow hooks: the Intacct connection (``intacct.hooks.intacct``) and the BC warehouse connection
(``intacct.hooks.warehouse``). Import them from those modules; this package imports nothing on purpose."""
