"""SHACL shapes and JSON-LD contexts shipped with panet (installed as ``panet._shapes``)."""
