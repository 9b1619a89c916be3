"""The job queue (PostgreSQL): the weekly plan, the tasks its workers run, the queue itself.

weekly_plan.py  which channels are due; claimed once across workers
tasks.py        the tasks and their retry rules
queue.py        the Procrastinate app, its tables, `run_worker`
"""
