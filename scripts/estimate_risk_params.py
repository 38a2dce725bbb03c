"""Reproduce the incident model's area parameters from the shared 2022 record.

    .venv/bin/python scripts/estimate_risk_params.py [RECORD] [--permutations N] [--toml OUT]

The work is done by ``corridor.assessment.estimate`` (typed and tested); see docs/risk-model.md.
"""

import sys

from corridor.assessment.estimate import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
