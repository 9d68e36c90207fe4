"""spark-submit entry point for the generate job (EMR: the package arrives via --py-files)."""

import sys

from marketpulse_jobs.generate import main

if __name__ == "__main__":
    sys.exit(main())
