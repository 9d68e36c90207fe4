"""spark-submit entry point for the bronze_to_gold job (EMR: the package arrives via --py-files)."""

import sys

from marketpulse_jobs.bronze_to_gold import main

if __name__ == "__main__":
    sys.exit(main())
