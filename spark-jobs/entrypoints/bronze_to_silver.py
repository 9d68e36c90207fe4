"""spark-submit entry point for the bronze_to_silver job (the package arrives via --py-files)."""

import sys

from marketpulse_jobs.bronze_to_silver import main

if __name__ == "__main__":
    sys.exit(main())
