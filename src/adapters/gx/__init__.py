"""Great Expectations 1.x adapters: the quality gate measured by GX on Spark.

Importing this package does not import GX; the gate imports it on first use.
"""

from adapters.gx.gate import GreatExpectationsGate

__all__ = ["GreatExpectationsGate"]
