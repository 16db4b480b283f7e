"""How the NeXus files in nexus/ were made: the metadata skeleton of a public NeXus file.

Every group, every attribute, every string and scalar dataset of the original file is kept; a
numeric array (detector images, spectra) becomes an empty dataset of the same type with its
attributes, so a file weighs a few kB and still reads, for panet, exactly as the original.
Run once by hand: ``python make_nexus_skeletons.py ORIGINAL SKELETON`` (needs h5py).
"""

import sys

import h5py
import numpy as np


def copy(source, target) -> None:
    for key, value in source.attrs.items():
        target.attrs[key] = value
    for name, node in source.items():
        link = source.get(name, getlink=True)
        if isinstance(link, h5py.ExternalLink):
            target[name] = h5py.ExternalLink(link.filename, link.path)
            continue
        if isinstance(link, h5py.SoftLink):
            target[name] = h5py.SoftLink(link.path)
            continue
        if node is None:
            continue
        if isinstance(node, h5py.Group):
            copy(node, target.create_group(name))
            continue
        small = node.shape == () or node.size <= 16 or node.dtype.kind in "SUO"
        data = node[()] if small else np.zeros((0,), dtype=node.dtype)
        created = target.create_dataset(name, data=data)
        for key, value in node.attrs.items():
            created.attrs[key] = value


if __name__ == "__main__":
    with h5py.File(sys.argv[1], "r") as source, h5py.File(sys.argv[2], "w") as target:
        copy(source, target)
