"""Writes panet/lowercase_acronyms.txt: the acronyms of the shipped PaNET (and its SSSOM mappings)
that may match written in lower case ("saxs_sample_03", "xanes_fe_foil"), because their lower-case
spelling is not an English word.

    pip install wordfreq
    python tools/make_lowercase_acronyms.py

Decided with wordfreq's Zipf frequency of the lower-case spelling (3.0 = about once per million
words): below ZIPF and at least three letters is safe ("saxs" 1.4, "xrd" 2.4); above is a word or a
common abbreviation ("pes" 3.0, "sans" 3.6, "sad" 4.8) and stays case-sensitive. wordfreq runs only
here; panet reads the file it writes.
"""

from importlib.metadata import version
from pathlib import Path

import wordfreq

import panet
from panet.annotate import _vocabulary, normalize_options

ZIPF = 3.0
OUT = Path(__file__).resolve().parent.parent / "panet" / "lowercase_acronyms.txt"


def main() -> None:
    entries = _vocabulary(panet.load(), normalize_options(kinds=("technique", "specifier")))
    acronyms = sorted({entry[4] for _, _, entry in entries if entry[4]})
    safe = [a for a in acronyms if len(a) >= 3 and wordfreq.zipf_frequency(a.lower(), "en") < ZIPF]
    header = (
        "# Acronyms that also match in lower case (panet.annotate); made by tools/make_lowercase_acronyms.py\n"
        f"# from wordfreq {version('wordfreq')}: lower-case Zipf frequency below {ZIPF}, three letters or more.\n"
    )
    OUT.write_text(header + "".join(f"{a}\n" for a in safe), encoding="utf-8")
    print(f"{len(safe)} of {len(acronyms)} acronyms -> {OUT}")


if __name__ == "__main__":
    main()
