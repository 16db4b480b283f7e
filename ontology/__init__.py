"""The PaNET files panet ships (installed as ``panet._ontology``; no code here).

PaNET, the Photon and Neutron Experimental Techniques ontology, by ExPaNDS and the PaNET
maintainers, is licensed under CC-BY 4.0: see LICENSE-PaNET, SOURCE.md and README.md.
"""
