#!/usr/bin/env python3
"""Writes Resources/Data/common-passwords.txt: passwords people pick first, refused by Lan Tỏa's password rules.

The English list is the 30,000 most common passwords of zxcvbn (MIT licence, `pip install zxcvbn`); only those of 10
characters or more are kept, since shorter ones fail the length rule anyway. Vietnamese choices seen in the field are
added by hand. Run `python3 Tools/common-passwords.py` after `pip install zxcvbn==4.5.0`, and commit the output."""
import os
from zxcvbn.frequency_lists import FREQUENCY_LISTS

VIETNAMESE = """
matkhau123 matkhau1234 matkhau12345 matkhau@123 matkhaumoi matkhaucuatoi 123456789a 1234567890a 0123456789 1234567890
anhyeuem123 anhyeuem1234 emyeuanh123 yeuemnhieu iloveyou123 vietnam123 vietnam1234 vietnam2025 vietnam2026 hanoi12345
saigon12345 admin12345 admin@1234 administrator quantri123 quantri@123 lantoa1234 lantoa12345 lantoa@123
tocongnghe123 congnghe123 chuyendoiso chuyendoiso123 chuyendoiso2025 chuyendoiso2026 ubnd123456 ubndxa1234
12345678910 11111111111 1111111111 0000000000 1234512345 qwertyuiop 1qaz2wsx3edc zaq12wsx123
""".split()

words = {w.lower() for w in FREQUENCY_LISTS["passwords"] if len(w) >= 10} | {w.lower() for w in VIETNAMESE}
out = os.path.join(os.path.dirname(__file__), "..", "Resources", "Data", "common-passwords.txt")
with open(out, "w", encoding="utf-8") as f:
    f.write("\n".join(sorted(words)) + "\n")
print(len(words), "passwords")
