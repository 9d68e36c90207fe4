"""Bronze -> Silver -> Gold in one Spark application: bronze_to_silver, then silver_to_gold.

    python -m marketpulse_jobs.bronze_to_gold --date D --bronze URI --silver URI \
        --quarantine URI --gold URI
    python -m marketpulse_jobs.bronze_to_gold --start D --end D --bronze ... (a backfill)

The pipeline's step: each job does exactly what it does alone (same outputs, run summaries and
metrics files, printed and written in the same places), but the two share one Spark
application. On EMR that is one spark-submit per run instead of two (one YARN application and
one set of executors to start); locally, silver_to_gold runs in a JVM that bronze_to_silver has
already warmed up. bench:etl measures the difference (docs/cost.md).

silver_to_gold runs only when bronze_to_silver succeeded: a broken conservation invariant fails
the run after bronze_to_silver's files are written, as when it runs alone. Both jobs' metrics
files are removed first, so that after a failure the only metrics file of this run's label is
one this run wrote.
"""

from marketpulse_jobs import bronze_to_silver as b2s
from marketpulse_jobs import runtime
from marketpulse_jobs import silver_to_gold as s2g

JOB = "bronze_to_gold"
# Silver is bronze_to_silver's output and silver_to_gold's input: checked as an output.
INPUTS = b2s.INPUTS
OUTPUTS = b2s.OUTPUTS + s2g.OUTPUTS


def _main(argv=None) -> int:
    parser = runtime.job_parser(JOB, __doc__.split("\n\n")[0])
    runtime.add_date_args(parser)
    runtime.add_root_args(parser, INPUTS + OUTPUTS)
    b2s.add_options(parser)
    args = parser.parse_args(argv)
    days = runtime.dates_from_args(args)
    runtime.check_roots(args, INPUTS, OUTPUTS)

    spark = runtime.get_spark("marketpulse-bronze-to-gold")
    # bronze_to_silver removes its own; silver_to_gold's would survive a failed bronze_to_silver.
    runtime.delete_path(spark, runtime.metrics_uri(args.gold, s2g.JOB, days))
    b2s.execute(spark, args, days)
    s2g.execute(spark, args, days)
    return 0


main = runtime.run_main(_main)

if __name__ == "__main__":
    raise SystemExit(main())
