#!/usr/bin/env python3
"""Builds Lan Tỏa's bundled administrative-unit files from the MIT-licensed sources in
../shared/data/admin-units (see Resources/Data/NOTICE).

Output (Resources/Data/), tab-separated, UTF-8 NFC, one header line each:
  units.tsv    era, tier, code, kind, name, short_name, name_en, parent_code
               era "2025-03" = the list in force until 30/06/2025 (63 provinces, 696 districts,
               10,035 communes); era "2025-07" = the list in force from 01/07/2025 (34 provinces,
               3,321 communes, no district tier).
  lineage.tsv  date, new_tier, new_code, old_tier, old_code, share ("full" or "partial")
  changes.tsv  date, tier, code, kind, name, basis: dated changes of kind/name after 01/07/2025.

Run: python3 Tools/build-admin-units.py [path/to/shared/data/admin-units]
"""
import json
import os
import sys
import unicodedata

SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data", "admin-units")
OUT = os.path.join(os.path.dirname(__file__), "..", "Resources", "Data")
OLD = "vietnamese-provinces-database/v2.4.1_pre-2025/simplified_json_generated_data_vn_units.json"
NEW = "vietnamese-provinces-database/v3.0.1_2025-07-22/simplified_json_generated_data_vn_units.json"
LATEST = "vietnamese-provinces-database/v4.2.0_2026-latest/simplified_json_generated_data_vn_units.json"
MERGES = "dvhcvn-20250701/mapping/merges.json"
# 1027/CTK-CSCL codes that the final list (Decision 19/2025/QĐ-TTg) changed.
CODE_FIXES = {"06970": "06978", "23737": "23938"}


def nfc(s):
    return unicodedata.normalize("NFC", s.strip())


def load(rel):
    with open(os.path.join(SRC, rel), encoding="utf-8") as f:
        return json.load(f)


def province_kind(full):
    return "thanh_pho_tw" if full.startswith("Thành phố") else "tinh"


def district_kind(code, full):
    if code == "769":
        return "thanh_pho_thuoc_tp"  # Thủ Đức, a city within Hồ Chí Minh City
    for prefix, kind in (("Quận", "quan"), ("Huyện", "huyen"), ("Thị xã", "thi_xa"), ("Thành phố", "thanh_pho")):
        if full.startswith(prefix):
            return kind
    raise SystemExit(f"unknown district kind: {code} {full}")


def commune_kind(full):
    for prefix, kind in (("Xã", "xa"), ("Phường", "phuong"), ("Thị trấn", "thi_tran"), ("Đặc khu", "dac_khu")):
        if full.lower().startswith(prefix.lower()):
            return kind
    raise SystemExit(f"unknown commune kind: {full}")


def main():
    rows = []
    old = load(OLD)
    old_codes = {"province": set(), "district": set(), "commune": set()}
    for p in old:
        rows.append(("2025-03", "province", p["Code"], province_kind(p["FullName"]), nfc(p["FullName"]), nfc(p["Name"]), nfc(p["NameEn"]), ""))
        old_codes["province"].add(p["Code"])
        for d in p["District"]:
            rows.append(("2025-03", "district", d["Code"], district_kind(d["Code"], d["FullName"]), nfc(d["FullName"]), nfc(d["Name"]), nfc(d["NameEn"]), p["Code"]))
            old_codes["district"].add(d["Code"])
            for w in d["Ward"] or []:
                rows.append(("2025-03", "commune", w["Code"], commune_kind(w["FullName"]), nfc(w["FullName"]), nfc(w["Name"]), nfc(w["NameEn"]), d["Code"]))
                old_codes["commune"].add(w["Code"])
    new = load(NEW)
    new_codes = {"province": set(), "commune": set()}
    for p in new:
        rows.append(("2025-07", "province", p["Code"], province_kind(p["FullName"]), nfc(p["FullName"]), nfc(p["Name"]), nfc(p["NameEn"]), ""))
        new_codes["province"].add(p["Code"])
        for w in p["Wards"]:
            rows.append(("2025-07", "commune", w["Code"], commune_kind(w["FullName"]), nfc(w["FullName"]), nfc(w["Name"]), nfc(w["NameEn"]), p["Code"]))
            new_codes["commune"].add(w["Code"])

    lineage = []
    skipped = []
    for p in load(MERGES)["data"]:
        for m in p["merges"]:
            lineage.append(("2025-07-01", "province", p["level1_id"], "province", m["old_id"], m["type"]))
        for c in p["level2s"]:
            new_code = CODE_FIXES.get(c["level2_id"], c["level2_id"])
            assert new_code in new_codes["commune"], new_code
            for m in c["merges"]:
                old_id = m["old_id"]
                old_tier = "district" if len(old_id) == 3 else "commune"
                if old_id not in old_codes[old_tier]:
                    skipped.append((new_code, old_id, m["name"]))
                    continue
                lineage.append(("2025-07-01", "commune", new_code, old_tier, old_id, m["type"]))

    # Dated changes after the reorganisation: Resolution 30/2026/QH16 made Đồng Nai a centrally-run
    # city from 30/04/2026; 237/NQ-UBTVQH16 turned ten of its communes into wards.
    latest = load(LATEST)
    changes = []
    by_code_new = {r[2]: r for r in rows if r[0] == "2025-07" and r[1] == "commune"}
    for p in latest:
        if p["Code"] == "75":
            changes.append(("2026-04-30", "province", "75", province_kind(p["FullName"]), nfc(p["FullName"]), "Nghị quyết 30/2026/QH16"))
        for w in p["Wards"]:
            before = by_code_new[w["Code"]]
            kind = commune_kind(w["FullName"])
            if kind != before[3]:
                changes.append(("2026-04-30", "commune", w["Code"], kind, nfc(w["FullName"]), "Nghị quyết 237/NQ-UBTVQH16"))

    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "units.tsv"), "w", encoding="utf-8") as f:
        f.write("era\ttier\tcode\tkind\tname\tshort_name\tname_en\tparent_code\n")
        for r in rows:
            f.write("\t".join(r) + "\n")
    with open(os.path.join(OUT, "lineage.tsv"), "w", encoding="utf-8") as f:
        f.write("date\tnew_tier\tnew_code\told_tier\told_code\tshare\n")
        for r in lineage:
            f.write("\t".join(r) + "\n")
    with open(os.path.join(OUT, "changes.tsv"), "w", encoding="utf-8") as f:
        f.write("date\ttier\tcode\tkind\tname\tbasis\n")
        for r in changes:
            f.write("\t".join(r) + "\n")
    count = lambda era, tier: sum(1 for r in rows if r[0] == era and r[1] == tier)
    print(f"2025-03: {count('2025-03','province')} provinces, {count('2025-03','district')} districts, {count('2025-03','commune')} communes")
    print(f"2025-07: {count('2025-07','province')} provinces, {count('2025-07','commune')} communes")
    print(f"lineage: {len(lineage)} links; left out {len(skipped)} links to old communes absent from the pre-2025 list: {[s[1] for s in skipped]}")
    print(f"changes: {len(changes)}")


if __name__ == "__main__":
    main()
