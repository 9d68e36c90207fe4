"""MarketPulse PySpark ETL jobs (Bronze -> Silver -> Gold).

Every module here must stay importable on a stock EMR 7 node running Python 3.9:
standard library and pyspark only.
"""

__version__ = "0.1.0"
