"""Expected expansions shared by tests/capabilities/test_loopback.py (the library) and
tests/api/test_techniques_api.py (the HTTP side): pan-ontologies-api's own test inputs."""

from __future__ import annotations

PANET = "http://purl.org/pan-science/PaNET/"
XES = PANET + "PaNET01200"
# pan-ontologies-api's own expected expansion of 'small angle scattering' (its test fixtures);
# the current PaNET still gives exactly these 22 techniques.
# fmt: off
SMALL_ANGLE_SCATTERING = sorted(f"{PANET}PaNET{n:05d}" for n in (
    1124, 1107, 1127, 1133, 1240, 1241, 1274, 1275, 1099, 1276, 1189,
    1277, 1278, 1279, 1280, 1188, 1281, 1273, 1282, 1162, 1287, 1286,
))
# fmt: on


def family(onto, key):
    """Sorted IRIs of the technique, its equivalents and all their descendants."""
    found = set()
    for member in (onto.term(key), *onto.equivalents(key)):
        found |= onto.descendants(member, include_self=True)
    return sorted(t.iri for t in found if t.kind == "technique")


# pan-ontologies-api's test inputs (src/__tests__/fixtures/technique.testcases.ts)
ORIGINAL_CASES = [
    ({"name": "x-ray emission spectroscopy"}, lambda f: {"pid": {"inq": [XES]}}),
    ({"name": "small angle scattering"}, lambda f: {"pid": {"inq": f("small angle scattering")}}),
    ({"name": {"neq": "x-ray emission spectroscopy"}}, lambda f: {"pid": {"nin": [XES]}}),
    ({"name": {"neq": "small angle scattering"}}, lambda f: {"pid": {"nin": f("small angle scattering")}}),
    (
        {"and": [{"name": "small angle scattering"}, {"name": "magnetism technique"}]},
        lambda f: {"and": [{"pid": {"inq": f("small angle scattering")}}, {"pid": {"inq": f("PaNET00207")}}]},
    ),
    (
        {"or": [{"name": "small angle scattering"}, {"name": "magnetism technique"}]},
        lambda f: {"or": [{"pid": {"inq": f("small angle scattering")}}, {"pid": {"inq": f("PaNET00207")}}]},
    ),
    (
        {"and": [{"name": "small angle scattering"}, {"name": "x-ray probe"}]},
        lambda f: {"and": [{"pid": {"inq": f("small angle scattering")}}, {"pid": {"inq": f("PaNET01012")}}]},
    ),
    (
        {"or": [{"name": "small angle scattering"}, {"name": "x-ray probe"}]},
        lambda f: {"or": [{"pid": {"inq": f("small angle scattering")}}, {"pid": {"inq": f("PaNET01012")}}]},
    ),
    (
        {"and": [{"name": "small angle scattering"}, {"name": {"neq": "x-ray probe"}}]},
        lambda f: {"and": [{"pid": {"inq": f("small angle scattering")}}, {"pid": {"nin": f("PaNET01012")}}]},
    ),
    (
        {"and": [{"name": "small angle scattering"}, {"name": {"neq": "magnetism technique"}}]},
        lambda f: {"and": [{"pid": {"inq": f("small angle scattering")}}, {"pid": {"nin": f("PaNET00207")}}]},
    ),
    ({"pid": XES}, lambda f: {"pid": {"inq": [XES]}}),
    ({"name": "XES"}, lambda f: {"pid": {"inq": [XES]}}),
]
