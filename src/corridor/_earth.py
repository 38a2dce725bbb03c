"""The earth's radius for chord, arc and local-plane conversions, in one place.

Four areas convert between degrees and metres (the network's geodesic lengths, the agreed
route's bounds, a report's distance from the route, a notice's area). Each needs the same
number, and the lightest of them must not load NumPy with ``corridor.network`` to get it
(start-up, issue 14 defect 10), so it lives here with nothing imported.
"""

from __future__ import annotations

#: IUGG mean radius (R1), metres.
EARTH_RADIUS_M = 6_371_008.8
