#!/usr/bin/env python3
"""Writes Resources/Data/openapi.json, the OpenAPI 3.1 document of /api/v1. Edit here, run
`python3 Tools/openapi.py`, commit the output; DocumentTests checks that it lists exactly the routes the app registers."""
import json
import os

def ref(name): return {"$ref": f"#/components/schemas/{name}"}
DATE = {"type": "string", "format": "date"}
def date(desc): return {**DATE, "description": desc}
def s(desc=None, **kw):
    d = {"type": "string", **kw}
    if desc: d["description"] = desc
    return d

# Text rules every handler shares. No text may hold the NUL character (InputDecoders refuses it with 422, in a body
# or a query); `forbid_nul` below adds NUL_FREE to every plain string of the document. A required text is trimmed
# (or its white space collapsed) before it is checked, so it needs one character that is not white space.
NUL_FREE = "^[^\\u0000]*$"
NON_BLANK = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"
def text(desc=None, **kw): return s(desc, pattern=NON_BLANK, **kw)
# Unit codes by tier (mã đơn vị hành chính): province 2 digits, district 3, commune 5, hamlet the commune's code,
# a dash and a 3-digit number.
PROVINCE_CODE = "^[0-9]{2}$"
COMMUNE_CODE = "^[0-9]{5}$"
HAMLET_CODE = "^[0-9]{5}-[0-9]{3}$"
UNIT_CODE = "^([0-9]{2,3}|[0-9]{5}|[0-9]{5}-[0-9]{3})$"
def code(desc, pattern=UNIT_CODE): return s(desc, pattern=pattern)
# A Vietnamese mobile number as PhoneNumber(parsing:) reads it: 0, +84, 84 or nothing, then a mobile prefix and 7 digits.
PHONE = "^(0|\\+84|84)?(3[2-9]|5[25689]|7[06-9]|8[1-9]|9[0-9])[0-9]{7}$"
# A query parameter that is read as absent when empty.
def or_empty(schema): return {"anyOf": [schema, {"type": "string", "maxLength": 0}]}
YEAR = "(1[0-9]{3}|[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])"
PERIOD = f"^{YEAR}(-[Qq][1-4]|-(0[1-9]|1[0-2]))?$"

TIERS = ["province", "district", "commune", "hamlet"]
KINDS = ["tinh", "thanh_pho_tw", "quan", "huyen", "thi_xa", "thanh_pho", "thanh_pho_thuoc_tp",
         "xa", "phuong", "thi_tran", "dac_khu",
         "thon", "ap", "ban", "lang", "xom", "buon", "plei", "soc", "khu_pho", "to_dan_pho", "khom", "khu_dan_cu"]
HAMLET_KINDS = KINDS[11:]
ROLES = ["admin", "province", "commune", "leader", "member", "viewer"]
GENDERS = ["male", "female", "other"]
TEAM_ROLES = ["leader", "deputy", "member"]
AFFILIATIONS = ["hamlet_head", "youth_union", "womens_union", "farmers_union", "veterans", "fatherland_front",
                "party_cell", "police", "teacher", "post_telecom", "other"]
AFFILIATION_LABELS = ["Trưởng thôn", "Đoàn Thanh niên", "Hội Phụ nữ", "Hội Nông dân", "Hội Cựu chiến binh", "Mặt trận Tổ quốc", "Chi bộ",
                      "Công an", "Giáo viên", "Bưu điện", "Khác"]
FINDINGS = ["too_few_members", "too_many_members", "no_leader", "several_leaders", "no_deputy", "leader_not_hamlet_head"]

def obj(props, required=None, desc=None):
    o = {"type": "object", "properties": props}
    if required: o["required"] = required
    if desc: o["description"] = desc
    return o

def listing(item, desc):
    return obj({
        "items": {"type": "array", "items": ref(item)},
        "total": {"type": "integer", "minimum": 0, "description": "How many items match, over all pages."},
        "next": {"type": ["string", "null"], "description": "The `cursor` of the next page; absent or null on the last page."},
    }, ["items", "total"], desc)

schemas = {
    # enumerations
    "Tier": {"type": "string", "enum": TIERS, "description": "Tier of an administrative unit: province (tỉnh/thành phố), district (huyện/quận, abolished 1 July 2025), commune (xã/phường/đặc khu), hamlet (thôn/tổ dân phố)."},
    "UnitKind": {"type": "string", "enum": KINDS, "description": "The kind of a unit within its tier, as named in law (tỉnh, thành phố trực thuộc TW, xã, phường, đặc khu, thôn, ấp, tổ dân phố…)."},
    "Role": {"type": "string", "enum": ROLES, "description": "An account's role: admin (the ministry, whole country), province (Sở KH&CN), commune (UBND xã/phường/đặc khu), leader (tổ trưởng), member (thành viên), viewer (read-only)."},
    "Gender": {"type": "string", "enum": GENDERS},
    "TeamRole": {"type": "string", "enum": TEAM_ROLES, "description": "Role in a team: leader (tổ trưởng), deputy (tổ phó), member (thành viên)."},
    "Affiliation": {"type": "string", "enum": AFFILIATIONS, "description": "The organisation or position a member brings to the team (trưởng thôn, Đoàn Thanh niên, Hội Phụ nữ, Hội Nông dân, Cựu chiến binh, Mặt trận Tổ quốc, chi bộ, công an, giáo viên, bưu điện/viễn thông, other)."},
    "LineageShare": {"type": "string", "enum": ["full", "partial"], "description": "Whether the whole old unit, or only part of it, went into the new one."},
    "TeamStatus": {"type": "string", "enum": ["active", "dissolved"]},
    # units
    "UnitRef": obj({"code": s(), "name": s(), "tier": ref("Tier")}, ["code", "name", "tier"], "A unit named briefly."),
    "Unit": obj({
        "id": s(format="uuid"),
        "code": s("The official code (mã đơn vị hành chính), or for hamlets the commune's code, a dash and a number (`26734-007`)."),
        "tier": ref("Tier"), "kind": ref("UnitKind"),
        "name": s("The full name as of the requested date (`Xã Tân Lập`)."),
        "shortName": s("The name without its kind (`Tân Lập`)."),
        "nameEn": s("The name without diacritics."),
        "parentCode": s("The parent unit's code; absent for provinces."),
        "validFrom": date("First day the unit exists; absent if it predates the records."),
        "validTo": date("Last day the unit exists; absent while it still exists."),
        "demo": {"type": "boolean", "description": "Demonstration data."},
    }, ["id", "code", "tier", "kind", "name", "shortName", "nameEn", "demo"], "An administrative unit."),
    "UnitList": listing("Unit", "A page of units."),
    "LineageLink": obj({"date": date("Date of the change."), "share": ref("LineageShare"), "unit": ref("Unit")},
                       ["date", "share", "unit"]),
    "Lineage": obj({
        "unit": ref("Unit"),
        "predecessors": {"type": "array", "items": ref("LineageLink"), "description": "The units this one was made from."},
        "successors": {"type": "array", "items": ref("LineageLink"), "description": "The units this one went into."},
    }, ["unit", "predecessors", "successors"], "Where a unit came from and went to in reorganisations (sáp nhập)."),
    "CreateHamletRequest": obj({
        "parentCode": code("Code of a current commune in the caller's scope (422 when there is none).", COMMUNE_CODE),
        "name": text("Full name, at most 120 characters (`Thôn Nà Sản`); 409 when the commune has a hamlet of that name.", maxLength=120),
        "kind": {"type": "string", "enum": HAMLET_KINDS + [""], "description": "A hamlet-tier kind; guessed from the name when absent or empty (default `thon`)."},
        "validFrom": or_empty(date("First day of the hamlet; today when absent or empty.")),
    }, ["parentCode", "name"], "A new hamlet (thôn, ấp, tổ dân phố…) under a commune."),
    # composition policy
    "CompositionPolicy": obj({
        "province": ref("UnitRef"),
        "own": {"type": "boolean", "description": "True if the province has set its own rules; false if the national rules apply."},
        "minimumMembers": {"type": "integer", "minimum": 1, "maximum": 100},
        "maximumMembersHamlet": {"type": "integer", "minimum": 1, "maximum": 200, "description": "Absent when there is no maximum."},
        "maximumMembersCommune": {"type": "integer", "minimum": 1, "maximum": 200, "description": "Absent when there is no maximum."},
        "leaderMustBeHamletHead": {"type": "boolean"},
    }, ["province", "own", "minimumMembers", "leaderMustBeHamletHead"], "The composition rules a province's teams are checked against."),
    "FormerCommuneRequest": obj({
        "formerCommune": code("Code of the commune the hamlet belonged to before 1 July 2025: one of the predecessors of its commune (422 otherwise).", COMMUNE_CODE),
    }, ["formerCommune"], "Corrects a hamlet's former commune (xã cũ); its figures move to the right former commune, district and province."),
    "CompositionPolicyRequest": obj({
        "minimumMembers": {"type": "integer", "minimum": 1, "maximum": 100, "description": "National default (5) when absent."},
        "maximumMembersHamlet": {"type": "integer", "minimum": 1, "maximum": 200, "description": "Between minimumMembers and 200 (422 when below minimumMembers); no maximum when absent."},
        "maximumMembersCommune": {"type": "integer", "minimum": 1, "maximum": 200, "description": "Between minimumMembers and 200 (422 when below minimumMembers); no maximum when absent."},
        "leaderMustBeHamletHead": {"type": "boolean", "description": "National default when absent."},
    }, None, "Replaces the province's rules; every active team of the province is re-checked."),
    # teams
    "Decision": obj({"number": s("Decision number (số quyết định)."), "date": date("Decision date."), "signer": s("Who signed it.")},
                    ["number", "date", "signer"], "The decision (quyết định) founding or last consolidating a team."),
    "Finding": obj({"code": {"type": "string", "enum": FINDINGS}, "message": s("In Vietnamese, or English with `Accept-Language: en`.")},
                   ["code", "message"], "A composition finding: shown, not refused."),
    "Member": obj({
        "membershipId": s(format="uuid"), "memberId": s(format="uuid"),
        "fullName": s(), "phone": s("Vietnamese phone number, digits only; empty once erased."),
        "gender": ref("Gender"), "birthYear": {"type": "integer"}, "role": ref("TeamRole"),
        "affiliations": {"type": "array", "items": ref("Affiliation")},
        "from": date("First day of the membership."),
        "to": date("Last day; absent while the membership is open."),
        "endReason": s("Why it ended; absent while open."),
    }, ["membershipId", "memberId", "fullName", "phone", "gender", "birthYear", "role", "affiliations", "from"],
        "A person's membership of a team."),
    "HistoryEntry": obj({
        "date": date("When it happened."),
        "kind": {"type": "string", "enum": ["founded", "consolidated", "dissolved", "joined", "left"]},
        "text": s(),
    }, ["date", "kind", "text"]),
    "Team": obj({
        "id": s(format="uuid"), "name": s("`Tổ CNSCĐ Thôn Nà Sản`."), "unit": ref("UnitRef"), "decision": ref("Decision"),
        "status": ref("TeamStatus"),
        "compliant": {"type": "boolean", "description": "No composition findings."},
        "compliance": {"type": "array", "items": ref("Finding"), "description": "Findings for an active team; empty when dissolved."},
        "memberCount": {"type": "integer", "minimum": 0},
        "demo": {"type": "boolean", "description": "Demonstration data."},
        "members": {"type": "array", "items": ref("Member"), "description": "Current members, leader first; only in a single team's response."},
        "history": {"type": "array", "items": ref("HistoryEntry"), "description": "Only in a single team's response."},
    }, ["id", "name", "unit", "decision", "status", "compliant", "compliance", "memberCount", "demo"],
        "A community digital technology team (Tổ công nghệ số cộng đồng, Tổ CNSCĐ) of a hamlet or commune."),
    "TeamList": listing("Team", "A page of teams (without members and history)."),
    "CreateTeamRequest": obj({
        "unit": code("Code of a current hamlet or commune in the caller's scope (422 otherwise) that has no active team (409 otherwise).",
                     "^([0-9]{5}|[0-9]{5}-[0-9]{3})$"),
        "name": s("At most 200 characters; `Tổ CNSCĐ <unit name>` when absent or blank.", maxLength=200),
        "decisionNumber": text(), "decisionDate": date("Not in the future (422)."), "decisionSigner": text(),
    }, ["unit", "decisionNumber", "decisionDate", "decisionSigner"], "Founds a team (thành lập)."),
    "UpdateTeamRequest": obj({
        "name": text("New name, at most 200 characters.", maxLength=200),
        "status": {"type": "string", "enum": ["active", "dissolved"], "description": "`dissolved` dissolves the team and ends its open memberships; a dissolved team cannot be reactivated."},
        "date": or_empty(date("Date of the dissolution; today when absent or empty.")),
    }, None, "Renames or dissolves a team. Reactivating a dissolved team is refused (422)."),
    "ConsolidateTeamRequest": obj({
        "decisionNumber": text(), "decisionDate": date("Not in the future (422)."), "decisionSigner": text(), "note": s(),
    }, ["decisionNumber", "decisionDate", "decisionSigner"], "A consolidation (kiện toàn): a new decision re-forming an active team (422 for a dissolved one)."),
    "AddMemberRequest": obj({
        "fullName": text("At most 120 characters.", maxLength=120),
        "phone": s("A Vietnamese mobile number (`0912345678`, `+84912345678`; spaces, dots and dashes are read too). "
                   "A person already serving in a team is refused (409).", pattern=PHONE),
        "gender": {"type": "string", "enum": GENDERS + ["Nam", "Nữ", "Khác"],
                   "description": "`male`, `female` or `other`; the Vietnamese labels are read too, in any case and with or without diacritics."},
        "birthYear": {"type": "integer", "description": "The member is 14 to 100 years old this year (422 otherwise)."},
        "role": {"type": "string", "enum": TEAM_ROLES + ["Tổ trưởng", "Tổ phó", "Thành viên"],
                 "description": "`leader`, `deputy` or `member`; the Vietnamese labels are read too, in any case and with or without diacritics."},
        "affiliations": {"type": "array", "items": {"type": "string", "enum": AFFILIATIONS + AFFILIATION_LABELS},
                         "description": "Affiliation codes, or their Vietnamese labels (in any case, with or without diacritics)."},
        "from": or_empty(date("First day of the membership; today when absent or empty.")),
    }, ["fullName", "phone", "gender", "birthYear", "role"], "Adds a person to an active team (422 for a dissolved one)."),
    "EndMembershipRequest": obj({
        "date": or_empty(date("Last day of the membership, not before its first (422); today when absent or empty.")),
        "reason": s("At most 300 characters.", maxLength=300),
    }, None, "Ends an open membership (422 when it has ended already)."),
    "TransferMemberRequest": obj({
        "team": s("Id of the team the member moves to; the caller's area must hold both teams.", format="uuid"),
        "role": {"type": "string", "enum": TEAM_ROLES + ["Tổ trưởng", "Tổ phó", "Thành viên"],
                 "description": "`leader`, `deputy` or `member`; the Vietnamese labels are read too."},
        "from": or_empty(date("First day in the new team (the last in the old one); today when absent or empty.")),
    }, ["team", "role"], "Moves a member between teams."),
    "ImportResult": obj({
        "teams": {"type": "integer", "minimum": 0, "description": "Teams founded."},
        "members": {"type": "integer", "minimum": 0, "description": "Memberships created."},
        "hamletsCreated": {"type": "integer", "minimum": 0, "description": "Hamlets created because the file named them."},
    }, ["teams", "members", "hamletsCreated"], "What an import wrote."),
    # accounts
    "LoginRequest": obj({"login": s(minLength=1), "password": s(format="password", minLength=1)}, ["login", "password"]),
    "LoginResponse": obj({"token": s("Send as `Authorization: Bearer <token>`."), "expiresAt": s(format="date-time"),
                          "refreshToken": s("Exchanged once at POST /auth/refresh for a new pair (a phone back online after a long shift)."),
                          "refreshExpiresAt": s(format="date-time"),
                          "account": s("The account's id (a phone tags its offline queue with it).", format="uuid"),
                          "queueKey": s("Base64 of the 32-byte AES-GCM key a phone seals the personal fields of its offline queue with.")},
                         ["token", "expiresAt", "refreshToken", "refreshExpiresAt", "account", "queueKey"],
                         "A bearer token valid for 12 hours, and a refresh token valid for 30 days."),
    "RefreshRequest": obj({"refreshToken": s(minLength=1)}, ["refreshToken"]),
    "Token": obj({"id": s(format="uuid"), "kind": {"type": "string", "enum": ["access", "refresh"]},
                  "createdAt": {"type": ["string", "null"], "format": "date-time"}, "expiresAt": s(format="date-time")},
                 ["id", "kind", "expiresAt"], "A live token of an account (the token itself is never shown again)."),
    "User": obj({
        "id": s(format="uuid"), "login": s(), "displayName": s(), "role": ref("Role"),
        "scope": {**ref("UnitRef"), "description": "The unit whose subtree the account sees; absent for a nationwide admin."},
        "disabled": {"type": "boolean"},
        "lockedUntil": {"type": ["string", "null"], "format": "date-time",
                        "description": "When the sign-in lockout after repeated failures ends; absent unless locked out now."},
        "mustChangePassword": {"type": "boolean", "description": "Someone else set the password; it must be changed at the next sign-in."},
        "member": {"type": ["string", "null"], "format": "uuid", "description": "The member of the team registry the account belongs to."},
    }, ["id", "login", "displayName", "role", "disabled", "mustChangePassword"], "An account."),
    "MergeResidentRequest": obj({"into": s("The record that stays.", format="uuid")}, ["into"]),
    "ResidentLookupRequest": obj({"cccd": s("The 12-digit citizen ID (CCCD).", pattern="^[0-9]{12}$")}, ["cccd"]),
    "LinkMemberRequest": obj({"phone": {"anyOf": [s(pattern=PHONE), s(pattern="^\\s*$")],
                                        "description": "The mobile phone of a member in the account's area (422 otherwise); absent or empty to remove the link."}}),
    "ResetPasswordRequest": obj({"password": s("A new password chosen by an official: 10 to 72 bytes, not containing the login, not a common password (422).",
                                               minLength=10, maxLength=72, format="password")}, ["password"]),
    "ChangePasswordRequest": obj({"currentPassword": s("The password now; 422 when wrong.", format="password", minLength=1),
                                  "newPassword": s("10 to 72 bytes, not containing the login, not a common password, not the current one (422).",
                                                   minLength=10, maxLength=72, format="password")},
                                 ["currentPassword", "newPassword"]),
    "UserList": listing("User", "A page of accounts."),
    "CreateUserRequest": obj({
        "login": s("Lower-cased; ASCII letters, digits and `._-@`, at most 64 characters (white space around it is dropped); 409 when taken.",
                   pattern="^[A-Za-z0-9._@-]{1,64}$"),
        "password": s("10 to 72 bytes, not containing the login, not a common password (422).", minLength=10, maxLength=72, format="password"),
        "displayName": s("The login when absent."),
        "role": ref("Role"),
        "scope": code("Code of the scope unit, inside the caller's scope and of a tier the role allows (422 otherwise); required except for admin."),
    }, ["login", "password", "role"], "A new account; the caller's role must be allowed to create the role (403 otherwise)."),
    "AuditEntry": obj({
        "id": s(format="uuid"), "at": s(format="date-time"), "actor": s("Login of whoever acted."),
        "action": {"type": "string", "enum": ["create", "update", "end", "import", "login", "export", "erase", "lock", "unlock", "read", "lookup", "token", "rekey"]},
        "entity": s("`unit`, `team`, `member`, `membership`, `user`, `composition_policy`, `team_import`."),
        "entityId": s("Lower-case UUID of the entity."),
        "person": {"type": ["string", "null"], "description": "For an entry about a member or a membership: the member's current name, "
                   "where the caller's area still holds them and their data is not erased. The entry itself keeps only keyed references."},
        "summary": s(),
        "before": s("JSON of the entity before; empty for a creation."),
        "after": s("JSON of the entity after."),
    }, ["id", "at", "actor", "action", "entity", "entityId", "summary", "before", "after"], "An entry of the append-only audit trail."),
    "AuditList": listing("AuditEntry", "A page of audit entries, newest first."),
    "Indicator": obj({
        "code": s("`<service>.done`, `<service>.coverage`, a structural figure, or a province's own code."),
        "kind": {"type": "string", "enum": ["count", "coverage", "structural", "manual", "reporting", "training", "training_coverage"]},
        "name": s(), "nameEn": s(),
        "service": s("The service counted or covered (count and coverage)."),
        "figure": s("The structural figure (structural)."),
        "province": s("Code of the province whose own indicator this is; absent for national ones."),
    }, ["code", "kind", "name", "nameEn"], "An indicator of the catalogue."),
    "Campaign": obj({
        "id": s(format="uuid"), "name": s(), "start": date("First day."), "end": date("Last day."),
        "owner": ref("UnitRef"),
        "units": {"type": "array", "items": ref("UnitRef")},
        "indicators": {"type": "array", "items": {"type": "string"}},
        "progress": {"type": "array", "items": ref("DashboardIndicator"), "description": "Day by day per indicator over the units taking part; only on a single campaign."},
    }, ["id", "name", "start", "end", "owner", "units", "indicators"], "A campaign (chiến dịch)."),
    # errors
    "FieldError": obj({"field": s("The offending field as the API names it (`phone`, `decisionDate`)."),
                       "code": s("Stable error code (`error.required`, `error.date`…)."),
                       "message": s("Localised message.")}, ["field", "code", "message"]),
    "RowProblem": obj({"row": {"type": "integer", "description": "Spreadsheet row (1 is the header; 0 for the whole file)."},
                       "column": s("Column header; empty for the whole row or file."), "message": s()},
                      ["row", "column", "message"], "A problem with one row of an imported file."),
    "Problem": obj({
        "type": s("`urn:lantoa:problem:<kind>` (invalid, not_found, forbidden, unauthorized, conflict, import_rejected, sign_in_paused, password_change_required, busy) or `about:blank`."),
        "title": s("Localised title."),
        "status": {"type": "integer"},
        "detail": s(),
        "errors": {"type": "array", "items": ref("FieldError"), "description": "On 422 and 409: the offending fields."},
        "rows": {"type": "array", "items": ref("RowProblem"), "description": "On a rejected import: every problem found in the file."},
    }, ["type", "title", "status"], "An RFC 9457 problem."),
}

UUID_S = {"type": "string", "format": "uuid"}
STR = {"type": "string"}
def objs(props, required=(), description=None):
    o = {"type": "object", "properties": props}
    if required: o["required"] = list(required)
    if description: o["description"] = description
    return o
schemas["CreateUserRequest"]["anyOf"] = [{"properties": {"role": {"const": "admin"}}}, {"required": ["scope"]}]  # scope: required but for admin
schemas.update({
    "Pillar": {"type": "string", "enum": ["government", "economy", "society"]},
    "CreateServiceRequest": objs({"code": s("ASCII letters, digits and `_`, at most 40; lower-cased. 409 when taken.", pattern="^[A-Za-z0-9_]{1,40}$"),
                                  "name": text(), "nameEn": STR, "pillar": ref("Pillar"),
                                  "minimumAge": {"type": "integer", "minimum": 0, "maximum": 100, "description": "0 when absent."},
                                  "unit": {"type": "string", "enum": ["person", "household"], "description": "`person` when absent."},
                                  "province": code("Code of a province in the caller's scope (422 when the unit is not a province).", PROVINCE_CODE)},
                                 ["code", "name", "pillar", "province"]),
    "Service": objs({"code": STR, "pillar": ref("Pillar"), "name": STR, "nameEn": STR, "minimumAge": {"type": "integer"},
                     "unit": {"type": "string", "enum": ["person", "household"]},
                     "province": {"type": ["string", "null"], "description": "The path of the province whose own service this is; null for national."}},
                    ["code", "pillar", "name", "nameEn", "minimumAge", "unit"]),
    "HouseholdPayload": objs({"id": {**UUID_S, "description": "Generated by the phone; a retry with the same id is a duplicate."},
                              "hamlet": code("Code of a hamlet in the caller's scope (422 when unknown, 403 when outside the scope).", HAMLET_CODE),
                              "address": text("At most 200 characters.", maxLength=200), "headName": text(),
                              "phone": {"anyOf": [s(pattern=PHONE), s(pattern="^\\s*$")], "description": "A mobile number, or empty."}},
                             ["hamlet", "address", "headName"]),
    "ResidentPayload": objs({"id": UUID_S, "household": {**UUID_S, "description": "A household already recorded, of the same hamlet (422 otherwise)."},
                             "hamlet": code("Code of a hamlet in the caller's scope; required unless `household` is given.", HAMLET_CODE),
                             "fullName": text("At most 120 characters.", maxLength=120),
                             "gender": {"type": "string", "enum": GENDERS + ["Nam", "Nữ", "Khác"], "description": "As for a member."},
                             "birthYear": {"type": "integer", "description": "At most 120 years ago, not in the future (422)."},
                             "cccd": {"anyOf": [s(pattern="^[0-9]{12}$"), s(pattern="^\\s*$")],
                                      "description": "12 digits whose province, century and gender digits match the resident (422 otherwise); "
                                                     "empty when unknown. Stored sealed, shown masked; 409 when already recorded."},
                             "phone": {"anyOf": [s(pattern=PHONE), s(pattern="^\\s*$")], "description": "A mobile number, or empty."},
                             "hasSmartphone": {"type": "boolean"},
                             "consentOn": {**DATE, "description": "When the resident agreed to being recorded (Decree 13/2023/NĐ-CP); not in the future (422)."}},
                            ["fullName", "gender", "birthYear", "consentOn"]),
    "ResidentCorrection": objs({"fullName": text("At most 120 characters.", maxLength=120),
                                "gender": {"type": "string", "enum": GENDERS + ["Nam", "Nữ", "Khác"]},
                                "birthYear": {"type": "integer", "description": "At most 120 years ago, not in the future (422)."},
                                "cccd": {"anyOf": [s(pattern="^[0-9]{12}$"), s(pattern="^\\s*$")], "description": "As when recording; empty to remove."},
                                "phone": {"anyOf": [s(pattern=PHONE), s(pattern="^\\s*$")], "description": "A mobile number, or empty."},
                                "hasSmartphone": {"type": "boolean"}},
                               description="The fields to correct; the others stay. `id`, `household`, `hamlet` and `consentOn` are ignored."),
    "ActivityPayload": objs({"id": UUID_S, "resident": UUID_S, "household": UUID_S, "anonymousCount": {"type": "integer"}, "hamlet": STR,
                             "service": STR, "outcome": {"type": "string", "enum": ["done", "guided", "refused"]},
                             "reason": {"type": "string", "enum": ["no_smartphone", "no_network", "missing_documents", "system_error", "needs_follow_up", "other"]},
                             "channel": {"type": "string", "enum": ["door_to_door", "one_stop_desk", "community_meeting", "online"]},
                             "on": DATE, "supersedes": {**UUID_S, "description": "The activity this one corrects."}},
                            ["id", "service", "outcome"]),
    "CreateIndicatorRequest": objs({
        "code": s("ASCII letters, digits, `_` and `.`, at most 60; lower-cased. 409 when taken.", pattern="^[A-Za-z0-9_.]{1,60}$"),
        "kind": {"type": "string", "enum": ["count", "coverage", "manual"]},
        "name": text(), "nameEn": STR,
        "service": s("The service counted or covered: required for count and coverage (422 when unknown)."),
        "province": code("Code of a province in the caller's area (422 when the unit is not a province).", PROVINCE_CODE)},
        ["code", "kind", "name", "province"]),
    "SetTargetRequest": objs({
        "unit": s("Unit code; `VN`, empty or absent for the nation (admin only).", pattern="^([Vv][Nn]|[0-9]{2,3}|[0-9]{5}|[0-9]{5}-[0-9]{3})?$"),
        "indicator": text("An indicator of the unit's catalogue (422 otherwise)."),
        "period": s("`2026`, `2026-Q2`, `2026-11` or `2026-06-01..2026-08-31`.", pattern=PERIOD),
        "value": {"type": "number", "minimum": 0, "maximum": 1e12,
                  "description": "A whole number; for coverage indicators a percentage from 0 to 100 (422 otherwise)."},
        "reason": s("Required to change a target whose period has started (422 otherwise).")},
        ["indicator", "period", "value"], "Set by the unit's parent tier or above (403 for the unit itself)."),
    "SplitTargetRequest": objs({
        "unit": s("The unit whose target is split (`VN`, empty or absent: the nation); it needs child units and a target of its own (422 otherwise).",
                  pattern="^([Vv][Nn]|[0-9]{2,3}|[0-9]{5}|[0-9]{5}-[0-9]{3})?$"),
        "indicator": text(), "period": s(pattern=PERIOD, description="As for a target."),
        "method": {"type": "string", "enum": ["even", "population", "eligible", "typed"]},
        "values": {"type": "object", "additionalProperties": {"type": "number", "minimum": 0},
                   "description": "For `typed`: child unit code → value, for every child and no other unit (422 otherwise)."},
        "reason": s("As for a target.")},
        ["indicator", "period", "method"]),
    "CreateCampaignRequest": objs({
        "name": text(), "start": DATE, "end": date("Not before `start` (422)."),
        "owner": s("The unit running it; `VN`, empty or absent for the nation.", pattern="^([Vv][Nn]|[0-9]{2,3}|[0-9]{5}|[0-9]{5}-[0-9]{3})?$"),
        "units": {"type": "array", "items": code("A unit under the owner (422 otherwise).")},
        "targets": {"type": "array", "minItems": 1, "items": objs({"indicator": text(), "value": {"type": "number", "minimum": 0}}, ["indicator", "value"]),
                    "description": "Indicators of the owner's catalogue with their targets (422 for an unknown one)."}},
        ["name", "start", "end", "targets"]),
    "ReportValueRequest": objs({
        "unit": code("A unit (not the nation)."),
        "indicator": text("A manual indicator of the unit's catalogue (422 otherwise)."),
        "on": or_empty(date("Not in the future (422); today when absent or empty.")),
        "value": {"type": "integer", "minimum": 0, "maximum": 1000000000}},
        ["unit", "indicator", "value"]),
    "IndicatorValue": objs({"id": UUID_S, "on": DATE, "value": s("The value, as text.", pattern="^[0-9]+$")}, ["id", "on", "value"],
                           ),
    "UnitTarget": objs({"unit": ref("UnitRef"), "indicator": STR, "period": STR, "value": {"type": "number"},
                        "method": {"type": "string", "enum": ["typed", "even", "population", "eligible"]}, "frozen": {"type": "boolean"}},
                       ["unit", "indicator", "period", "value", "method", "frozen"]),
    "SplitFinding": objs({"kind": {"type": "string", "enum": ["shortfall", "excess"]}, "amount": {"type": "integer", "minimum": 1}}, ["kind", "amount"]),
    "Targets": objs({"target": {**ref("UnitTarget"), "description": "The unit's own target; absent when none."},
                     "children": {"type": "array", "items": ref("UnitTarget")}, "childrenTotal": {"type": "number"},
                     "finding": {**ref("SplitFinding"), "description": "How the children's sum misses the unit's target; absent when it matches."}},
                    ["children", "childrenTotal"]),
    "DashboardIndicator": objs({
        "code": STR, "kind": {"type": "string", "enum": ["count", "coverage", "structural", "manual", "reporting", "training", "training_coverage"]}, "name": STR,
        "actual": {"type": "number"}, "numerator": {"type": "integer"}, "denominator": {"type": "integer"},
        "target": {"type": "number"}, "percentOfPlan": {"type": "number"},
        "trend": {"type": "array", "items": objs({"date": STR, "value": {"type": "number"}}, ["date", "value"])},
        "breakdown": {"type": "array", "items": objs({"unit": ref("UnitRef"), "actual": {"type": "number"}, "target": {"type": "number"},
                                                      "percentOfPlan": {"type": "number"}}, ["unit", "actual"])},
        "childTargets": {"type": "number"}, "splitFinding": ref("SplitFinding")},
        ["code", "kind", "name", "actual", "trend", "breakdown"]),
    "Dashboard": objs({"unit": ref("UnitRef"), "period": STR, "periodStart": DATE, "periodEnd": DATE, "hierarchyDate": DATE,
                       "indicators": {"type": "array", "items": ref("DashboardIndicator")},
                       "difficulties": {"anyOf": [ref("DifficultyFigures"), {"type": "null"}]}},
                      ["unit", "period", "periodStart", "periodEnd", "hierarchyDate", "indicators"]),
    "RankingEntry": objs({"rank": {"type": "integer", "minimum": 1}, "previousRank": {"type": "integer"}, "unit": ref("UnitRef"),
                          "value": {"type": "number"}, "previousValue": {"type": "number"}, "actual": {"type": "number"},
                          "target": {"type": "number"}, "percentOfPlan": {"type": "number"}, "residents": {"type": "integer"}},
                         ["rank", "unit", "value", "actual", "residents"]),
    "Ranking": objs({"unit": ref("UnitRef"), "indicator": ref("Indicator"), "period": STR, "previousPeriod": STR,
                     "measure": {"type": "string", "enum": ["absolute", "percent", "per1000"]}, "tieRule": STR,
                     "entries": {"type": "array", "items": ref("RankingEntry")}},
                    ["unit", "indicator", "period", "previousPeriod", "measure", "tieRule", "entries"]),
    "Review": objs({"ranking": ref("Ranking"),
                    "commend": {"type": "array", "items": ref("RankingEntry"), "description": "Biểu dương: the first `top`."},
                    "remind": {"type": "array", "items": ref("RankingEntry"), "description": "Nhắc nhở: below `threshold` % of plan."},
                    "threshold": {"type": "number"}, "inactiveDays": {"type": "integer"},
                    "inactiveTeams": {"type": "array", "items": objs({"team": STR, "name": STR, "unit": ref("UnitRef"), "lastActivityOn": DATE,
                                                                       "daysInactive": {"type": "integer"}}, ["team", "name", "unit"])}},
                   ["ranking", "commend", "remind", "threshold", "inactiveDays", "inactiveTeams"]),
    "ResidentExport": objs({"id": UUID_S, "fullName": STR, "gender": ref("Gender"), "birthYear": {"type": "integer"},
                            "cccd": s("In full, or empty."), "phone": STR, "hasSmartphone": {"type": "boolean"},
                            "household": s("The household's address."), "consentOn": DATE, "consentBy": s("Who recorded the consent."),
                            "supports": {"type": "array", "items": objs({"on": DATE, "service": STR,
                                                                          "outcome": {"type": "string", "enum": ["done", "guided", "refused"]},
                                                                          "channel": {"type": "string", "enum": ["door_to_door", "one_stop_desk", "community_meeting", "online"]}},
                                                                         ["on", "service", "outcome", "channel"])}},
                           ["id", "fullName", "gender", "birthYear", "cccd", "phone", "hasSmartphone", "consentOn", "consentBy", "supports"],
                           ),
    # A batch item is decoded by type only; every other rule is checked item by item and answered as `rejected`, not 422.
    "SyncRequest": objs({"households": {"type": "array", "items": ref("SyncHousehold")},
                         "residents": {"type": "array", "items": ref("SyncResident")},
                         "activities": {"type": "array", "items": ref("SyncActivity")}},
                        description="At most 1,000 items in all (422 otherwise)."),
    "SyncItemResult": objs({"kind": {"type": "string", "enum": ["household", "resident", "activity"]}, "id": {"type": ["string", "null"], "format": "uuid"},
                            "status": {"type": "string", "enum": ["created", "duplicate", "rejected"]},
                            "errors": {"type": "array", "items": objs({"field": STR, "code": STR, "args": {"type": "array", "items": STR}, "message": STR},
                                                                      ["field", "code", "args", "message"])}},
                           ["kind", "status"]),
    "SyncResponse": objs({"results": {"type": "array", "items": ref("SyncItemResult")}, "created": {"type": "integer"},
                          "duplicates": {"type": "integer"}, "rejected": {"type": "integer"}}, ["results", "created", "duplicates", "rejected"]),
    "Household": objs({"id": UUID_S, "hamlet": STR, "address": STR, "headName": STR, "phone": STR}, ["id", "hamlet", "address", "headName", "phone"]),
    "Resident": objs({"id": UUID_S, "household": UUID_S, "hamlet": STR, "fullName": STR, "gender": ref("Gender"), "birthYear": {"type": "integer"},
                      "cccd": {**STR, "description": "Masked (`001*******45`), or empty."}, "phone": STR, "hasSmartphone": {"type": "boolean"},
                      "consentOn": DATE, "erased": {"type": "boolean"},
                      "done": {"type": "object", "additionalProperties": DATE, "description": "Service code → first date done."}},
                     ["id", "hamlet", "fullName", "gender", "birthYear", "cccd", "phone", "hasSmartphone", "consentOn", "erased", "done"]),
    "ResidentList": objs({"items": {"type": "array", "items": ref("Resident")}, "total": {"type": "integer"}, "next": {"type": ["string", "null"]}},
                         ["items", "total", "next"]),
    "WorkingSet": objs({"hamlets": {"type": "array", "items": ref("UnitRef")}, "households": {"type": "array", "items": ref("Household")}, "residents": {"type": "array", "items": ref("Resident")},
                        "services": {"type": "array", "items": ref("Service")}, "cursor": STR, "complete": {"type": "boolean"},
                        "serverTime": {"type": "number", "description": "The server's clock, seconds since 1970: phones date supports by it."}},
                       ["hamlets", "households", "residents", "services", "cursor", "complete", "serverTime"]),
    "Sweep": objs({"unit": ref("UnitRef"), "service": ref("Service"), "eligible": {"type": "integer"}, "done": {"type": "integer"},
                   "households": {"type": "array", "items": objs({"id": UUID_S, "address": STR, "headName": STR,
                       "residents": {"type": "array", "items": objs({"id": UUID_S, "fullName": STR, "birthYear": {"type": "integer"},
                                                                     "gender": ref("Gender"), "hasSmartphone": {"type": "boolean"}})}})}},
                  ["unit", "service", "eligible", "done", "households"]),
})

FIELD_CODE = "^[a-z0-9_]{1,40}$"
REPORT_PERIOD = "^[0-9]{4}(-W[0-9]{2}|-Q[1-4]|-[0-9]{2}|-[0-9]{2}-[0-9]{2}\\.\\.[0-9]{4}-[0-9]{2}-[0-9]{2})?$"
schemas.update({
    "ReportField": objs({
        "code": s("Lower-case letters, digits and `_`; unique in the template.", pattern=FIELD_CODE),
        "kind": {"type": "string", "enum": ["figure", "number", "text"],
                 "description": "`figure`: read from the rollups (shown, not typed); `number`: typed whole number; `text`: free text."},
        "name": text(), "nameEn": STR,
        "indicator": s("For `figure`: the indicator read; for `number`: the manual indicator it feeds once approved; none for `text`."),
        "required": {"type": "boolean"}}, ["code", "kind", "name", "nameEn"]),
    "ReportRule": objs({
        "code": STR, "kind": {"type": "string", "enum": ["at_most", "usual"]},
        "left": s("A field's code."), "right": s("`at_most`: the field it may not exceed."),
        "k": {"type": "number", "minimum": 1, "maximum": 10, "description": "`usual`: how many standard deviations from the unit's own mean (default 3)."}},
        ["code", "kind", "left"]),
    "ReportTemplateRequest": objs({
        "code": s("A new code, or an existing one for a new version (which applies from the next period).", pattern=FIELD_CODE),
        "province": or_empty(code("The owning province; absent or empty for a national template (national accounts only).", PROVINCE_CODE)),
        "name": text(), "nameEn": STR,
        "cycle": {"type": "string", "pattern": "^(week|month|quarter|year|campaign|campaign:[0-9]{4}-[0-9]{2}-[0-9]{2}\\.\\.[0-9]{4}-[0-9]{2}-[0-9]{2})$",
                  "description": "`campaign`: one period, the dates of the campaign named in `campaign` (422 without one); or, for a new version of a campaign's template, its cycle as returned (`campaign:2026-11-01..2026-11-15`)."},
        "campaign": s("The campaign (its id) whose dates are the one period, with `cycle` `campaign`.", format="uuid"),
        "deadlineDays": {"type": "integer", "minimum": 0, "maximum": 60, "description": "Days after the period's end to report on time."},
        "lockDays": {"type": "integer", "minimum": 0, "maximum": 120, "description": "Days after the period's end until entry closes; not before the deadline (422)."},
        "openFuturePeriods": {"type": "integer", "minimum": 0, "maximum": 12},
        "reporter": {"type": "string", "enum": ["team", "commune", "province"]},
        "firstPeriod": {"type": "string", "enum": ["whole", "any"], "description": "`whole` (default): a team is first expected for the first period it exists from its first day."},
        "reminderDays": {"type": "array", "maxItems": 10, "items": {"type": "integer", "minimum": -30, "maximum": 30}, "description": "Days relative to the deadline."},
        "includes": s("The template (same cycle, reported by the tier just below) whose approved reports this one sums."),
        "fields": {"type": "array", "minItems": 1, "maxItems": 40, "items": ref("ReportField")},
        "rules": {"type": "array", "items": ref("ReportRule")}},
        ["code", "name", "cycle", "deadlineDays", "reporter", "fields"]),
    "ReportTemplate": objs({
        "code": STR, "version": {"type": "integer", "minimum": 1}, "province": s("The owning province's code; absent for national ones."),
        "name": STR, "nameEn": STR,
        "cycle": {"type": "string", "pattern": "^(week|month|quarter|year|campaign:[0-9]{4}-[0-9]{2}-[0-9]{2}\\.\\.[0-9]{4}-[0-9]{2}-[0-9]{2})$",
                  "description": "A campaign's template: `campaign:` and its dates, its one period (whose key is the dates)."},
        "deadlineDays": {"type": "integer"}, "lockDays": {"type": "integer"}, "openFuturePeriods": {"type": "integer"},
        "reporter": {"type": "string", "enum": ["team", "commune", "province"]}, "firstPeriod": {"type": "string", "enum": ["whole", "any"]},
        "reminderDays": {"type": "array", "items": {"type": "integer"}}, "effectiveFrom": DATE, "includes": STR,
        "fields": {"type": "array", "items": ref("ReportField")}, "rules": {"type": "array", "items": ref("ReportRule")}},
        ["code", "version", "name", "nameEn", "cycle", "deadlineDays", "lockDays", "openFuturePeriods", "reporter", "firstPeriod",
         "reminderDays", "effectiveFrom", "fields", "rules"], "A report template (mẫu báo cáo), latest version."),
    "ReportEntries": objs({
        "numbers": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0, "maximum": 1000000000},
                    "description": "`number` field code → value (422 naming `numbers.<code>` for another code)."},
        "texts": {"type": "object", "additionalProperties": {"type": "string", "maxLength": 4000},
                  "description": "`text` field code → text (422 naming `texts.<code>` for another code)."}}),
    "TrainingMode": {"type": "string", "enum": ["in_person", "online", "mooc"]},
    "TrainingOrganiser": {"type": "string", "enum": ["unit", "partner", "national"]},
    "CreateTrainingCourseRequest": objs({
        "title": text("At most 200 characters.", maxLength=200), "topic": s("At most 1,000 characters.", maxLength=1000),
        "services": {"type": "array", "items": STR, "description": "Codes of catalogue services in force for the course's unit (422 naming `services` otherwise)."},
        "mode": ref("TrainingMode"), "link": s("A full http(s) link; required for a MOOC course.", maxLength=500),
        "organiser": {**ref("TrainingOrganiser"), "description": "`unit` when absent."},
        "organiserName": s("Required for a partner enterprise (at most 200 characters).", maxLength=200),
        "unit": s("The owning unit's code in the caller's scope; the account's own unit when absent; `VN` for a national course (administrators).")},
        ["title", "mode"], "A training course (khóa tập huấn) to add; the caller manages units and teams at the owning unit."),
    "TrainingCourse": objs({"id": UUID_S, "title": STR, "topic": STR, "services": {"type": "array", "items": STR}, "mode": ref("TrainingMode"),
                            "link": {"type": ["string", "null"]}, "organiser": ref("TrainingOrganiser"), "organiserName": STR,
                            "unit": {"anyOf": [ref("UnitRef"), {"type": "null"}], "description": "The owning unit; null for a national course."}},
                           ["id", "title", "topic", "services", "mode", "organiser", "organiserName"]),
    "CreateTrainingSessionRequest": objs({
        "course": {**UUID_S, "description": "A course offered in the caller's area (404 otherwise)."},
        "date": date("The day it is held (at most a year ahead)."), "place": s("Required in person (at most 200 characters).", maxLength=200),
        "link": s("A full http(s) link; required online.", maxLength=500), "trainer": s("At most 200 characters.", maxLength=200),
        "unit": s("The organising unit's code: in the caller's scope and in the course's area. The course's unit (or the account's) when absent."),
        "capacity": {"type": "integer", "minimum": 0, "maximum": 100000, "description": "Seats; 0 or absent for no limit."}},
        ["course", "date"], "A session (buổi tập huấn) of a course."),
    "TrainingSession": objs({"id": UUID_S, "course": ref("TrainingCourse"), "date": DATE, "place": STR, "link": {"type": ["string", "null"]},
                             "trainer": STR, "unit": ref("UnitRef"), "capacity": {"type": "integer", "minimum": 0},
                             "present": {"type": "integer", "minimum": 0, "description": "Attendances marked present over the whole session."}},
                            ["id", "course", "date", "place", "trainer", "unit", "capacity", "present"]),
    "TrainingAttendanceEntry": objs({"member": UUID_S, "present": {"type": "boolean"}, "passed": {"type": ["boolean", "null"]},
                                     "certificate": s("At most 60 characters.", maxLength=60)}, ["member", "present"]),
    "TrainingAttendanceRequest": objs({"entries": {"type": "array", "minItems": 1, "maxItems": 5000, "items": ref("TrainingAttendanceEntry"),
                                                   "description": "Each member once, serving under the session's unit and the caller's scope; all written or none (422 naming `entries[i].…`)."}},
                                      ["entries"]),
    "TrainingAttendance": objs({"member": UUID_S, "fullName": STR, "team": {"type": ["string", "null"], "format": "uuid"}, "teamName": {"type": ["string", "null"]},
                                "present": {"type": "boolean"}, "passed": {"type": ["boolean", "null"]}, "certificate": STR},
                               ["member", "fullName", "present", "certificate"]),
    "TrainingSessionDetail": objs({"session": ref("TrainingSession"), "attendances": {"type": "array", "items": ref("TrainingAttendance"),
                                   "description": "The attendances of the caller's area."}}, ["session", "attendances"]),
    "UnmatchedAttendanceRow": objs({"row": {"type": "integer"}, "phone": STR, "fullName": STR}, ["row", "phone", "fullName"]),
    "TrainingImportResult": objs({"recorded": {"type": "integer", "minimum": 0}, "matched": {"type": "integer", "minimum": 0},
                                  "unmatched": {"type": "array", "items": ref("UnmatchedAttendanceRow"), "description": "Rows whose phone matches no member of the session's area within the caller's: not written."},
                                  "session": ref("TrainingSession")}, ["recorded", "matched", "unmatched", "session"]),
    "MemberTrainingEntry": objs({"session": UUID_S, "course": STR, "date": DATE, "organiser": STR, "present": {"type": "boolean"},
                                 "passed": {"type": ["boolean", "null"]}, "certificate": STR},
                                ["session", "course", "date", "organiser", "present", "certificate"]),
    "MemberTraining": objs({"member": UUID_S, "fullName": STR, "attendances": {"type": "integer", "minimum": 0}, "trainedThisYear": {"type": "boolean"},
                            "entries": {"type": "array", "items": ref("MemberTrainingEntry")}},
                           ["member", "fullName", "attendances", "trainedThisYear", "entries"], "A member's training record (quá trình tập huấn)."),
    "WarningKind": {"type": "string", "enum": ["team_idle", "team_noncompliant", "members_untrained", "behind_plan", "difficulty_unanswered"]},
    "Warning": objs({"id": UUID_S, "kind": ref("WarningKind"), "subject": {**UUID_S, "description": "The team, the commune behind plan, or the difficulty."},
                     "subjectName": STR, "indicator": {"type": ["string", "null"], "description": "For `behind_plan`: the indicator."},
                     "responsible": {"type": "string", "enum": ["leader", "commune", "province"]}, "detail": STR, "openedOn": DATE},
                    ["id", "kind", "subject", "subjectName", "responsible", "detail", "openedOn"], "An open early warning (cảnh báo sớm)."),
    "WarningSettings": objs({"idleDays": {"type": "integer", "minimum": 1, "maximum": 365}, "noncompliantDays": {"type": "integer", "minimum": 0, "maximum": 365},
                             "untrainedAfterDays": {"type": "integer", "minimum": 0, "maximum": 365}, "planPercent": {"type": "integer", "minimum": 1, "maximum": 100},
                             "unansweredDays": {"type": "integer", "minimum": 1, "maximum": 365}},
                            ["idleDays", "noncompliantDays", "untrainedAfterDays", "planPercent", "unansweredDays"], "A province's warning thresholds (defaults 14, 30, 90, 80, 3)."),
    "WarningList": objs({"unit": ref("UnitRef"), "counts": {"type": "object", "additionalProperties": {"type": "integer"}, "description": "Open warnings by kind."},
                         "items": {"type": "array", "items": ref("Warning"), "description": "At most 500."},
                         "settings": {"anyOf": [ref("WarningSettings"), {"type": "null"}], "description": "The thresholds of the unit's province; null for the nation."}},
                        ["unit", "counts", "items"]),
    "ZaloChannel": objs({"available": {"type": "boolean", "description": "Whether the caller's province has a Zalo OA configured."},
                         "province": STR, "oaID": STR, "enabled": {"type": "boolean"}, "linked": {"type": "boolean"}, "followed": {"type": "boolean"},
                         "linkCode": s("The code to send to the OA while no Zalo user is linked, for 30 minutes (`LT-7KQ9M2XA`).", pattern="^LT-[2-9A-HJKMNP-Z]{8}$"),
                         "stopped": s("Why Zalo stopped delivering to the account.")},
                        ["available", "enabled", "linked", "followed"]),
    "ZaloChannelRequest": objs({"enabled": {"type": "boolean"}}, ["enabled"]),
    "ZaloProvince": objs({"province": STR, "name": STR, "configured": {"type": "boolean"}, "oaID": STR,
                          "templates": {"type": "object", "additionalProperties": STR, "description": "Template ids by message kind."},
                          "webhook": STR, "accountsEnabled": {"type": "integer", "minimum": 0}, "accountsLinked": {"type": "integer", "minimum": 0},
                          "lastWeek": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0},
                                       "description": "The province's messages of the last 7 days by delivery status."}},
                         ["province", "name", "configured", "templates", "webhook", "accountsEnabled", "accountsLinked", "lastWeek"]),
    "ZaloWebhookAnswer": objs({"status": {"type": "string", "enum": ["handled", "duplicate", "ignored"]}}, ["status"]),
    "Notification": objs({"id": UUID_S, "kind": {"type": "string", "description": "`report_reminder`, `warning_task`."}, "message": STR,
                          "createdAt": {"type": ["string", "null"], "format": "date-time"}, "read": {"type": "boolean"}},
                         ["id", "kind", "message", "read"]),
    "DifficultyFigures": objs({"open": {"type": "integer", "minimum": 0}, "raised": {"type": "integer", "minimum": 0, "description": "Raised in the period."},
                               "medianHoursToFirstAnswer": {"type": ["number", "null"]}, "medianHoursToSolution": {"type": ["number", "null"]}},
                              ["open", "raised"], "The difficulties of a unit's area: open now; of those raised in the period, the median hours to a first answer and to a solution."),
    "RaiseDifficultyRequest": objs({"id": {**UUID_S, "description": "Given by the phone: the same id sent again by the same account answers 200 with the difficulty (409 for another account's)."},
                                    "service": text("A catalogue service code in force for the caller."), "description": text("At most 2,000 characters.", maxLength=2000),
                                    "photo": s("A JPEG, base64-encoded, at most 1 MB decoded; its metadata (EXIF, GPS, XMP, comments) is removed.")},
                                   ["service", "description"], "A difficulty (vướng mắc) raised by a leader, a member or a commune official, at the caller's own unit."),
    "DifficultyText": objs({"text": s("At most 4,000 characters; required to answer and to reopen.", maxLength=4000)}),
    "PromoteDifficultyRequest": objs({"question": s("The difficulty's description when absent."), "answer": s("The latest answer when absent.")}),
    "DifficultyEvent": objs({"kind": {"type": "string", "enum": ["raised", "forwarded", "answered", "solved", "reopened", "promoted"]}, "actor": STR, "role": STR,
                             "text": STR, "at": {"type": ["string", "null"], "format": "date-time"}}, ["kind", "actor", "role", "text"]),
    "Difficulty": objs({"id": UUID_S, "service": STR, "description": STR, "askedBy": STR, "unit": STR,
                        "status": {"type": "string", "enum": ["open", "answered", "solved"]}, "level": {"type": "string", "enum": ["commune", "province"]},
                        "raisedOn": DATE, "hasPhoto": {"type": "boolean"}, "firstAnsweredAt": {"type": ["string", "null"], "format": "date-time"},
                        "solvedAt": {"type": ["string", "null"], "format": "date-time"}, "answer": {"type": ["string", "null"]},
                        "events": {"type": "array", "items": ref("DifficultyEvent")}},
                       ["id", "service", "description", "askedBy", "unit", "status", "level", "raisedOn", "hasPhoto", "events"]),
    "FAQEntry": objs({"id": UUID_S, "service": STR, "question": STR, "answer": STR, "province": {"type": ["string", "null"]}},
                     ["id", "service", "question", "answer"], "A question and answer of a service's FAQ (câu hỏi thường gặp)."),
    "PostAnnouncementRequest": objs({"kind": {"type": "string", "enum": ["notice", "practice"], "description": "`notice` when absent."},
                                     "title": text("At most 200 characters.", maxLength=200), "body": text("At most 5,000 characters.", maxLength=5000),
                                     "unit": s("The unit whose subtree it is for (in the caller's scope); the caller's own unit when absent.")},
                                    ["title", "body"], "A notice or a good practice (thông báo, cách làm hay); attachments are added on the page."),
    "Announcement": objs({"id": UUID_S, "kind": {"type": "string", "enum": ["notice", "practice"]}, "title": STR, "body": STR, "unit": STR, "author": STR,
                          "postedAt": {"type": ["string", "null"], "format": "date-time"}, "attachment": {"type": ["string", "null"]},
                          "read": {"type": "boolean"}, "recipients": {"type": "integer", "minimum": 0},
                          "readCount": {"type": ["integer", "null"]}, "readers": {"type": ["array", "null"], "items": STR}},
                         ["id", "kind", "title", "body", "unit", "author", "read", "recipients"]),
    "GuideStepRequest": objs({"text": text("What to do in this step (at most 2,000 characters).", maxLength=2000),
                              "image": s("A new picture: a JPEG in base64 (at most 300 kB); its metadata is removed."),
                              "keepImage": {**UUID_S, "description": "Or an earlier version's picture (or the adapted national guide's), kept."}},
                             ["text"]),
    "GuideRequest": objs({"service": s("The catalogue service the guide is for (taken from the national guide when adapting one)."),
                          "title": text("At most 200 characters.", maxLength=200),
                          "steps": {"type": "array", "minItems": 1, "maxItems": 30, "items": ref("GuideStepRequest")},
                          "adapts": {**UUID_S, "description": "On a province's new guide: the national guide its accounts read it instead of (409 when the province has one)."}},
                         ["title", "steps"], "A guide, or a new version of one (tài liệu hướng dẫn); text and pictures at most 2 MB."),
    "GuideSummary": objs({"id": UUID_S, "service": STR, "title": STR, "unit": s("The unit that wrote it: the country or a province."),
                          "version": {"type": "integer", "minimum": 1}, "bytes": {"type": "integer", "minimum": 0, "description": "The latest version's text and pictures: what a phone stores to read it offline."},
                          "adapts": {"type": ["string", "null"], "format": "uuid"}, "updatedAt": {"type": ["string", "null"], "format": "date-time"}},
                         ["id", "service", "title", "unit", "version", "bytes"]),
    "Guide": objs({"id": UUID_S, "service": STR, "title": STR, "unit": STR, "version": {"type": "integer", "minimum": 1, "description": "The version shown."},
                   "latest": {"type": "integer", "minimum": 1}, "bytes": {"type": "integer", "minimum": 0},
                   "adapts": {"type": ["string", "null"], "format": "uuid"},
                   "adaptsVersion": {"type": ["integer", "null"], "description": "The national guide's version the province last wrote its own from."},
                   "author": STR, "publishedAt": {"type": ["string", "null"], "format": "date-time"},
                   "steps": {"type": "array", "items": objs({"text": STR, "image": {"type": ["string", "null"], "format": "uuid", "description": "`GET /guides/images/{id}`."}}, ["text"])},
                   "versions": {"type": "array", "items": objs({"version": {"type": "integer"}, "title": STR, "author": STR,
                                                                 "publishedAt": {"type": ["string", "null"], "format": "date-time"}}, ["version", "title", "author"])}},
                  ["id", "service", "title", "unit", "version", "latest", "bytes", "author", "steps", "versions"]),
    "ReportReason": objs({"reason": s("Required to return, mark not received, reopen or grant an exception (at most 1,000 characters).", maxLength=1000),
                          "until": date("For an exception: the last day entry is allowed (today to 30 days ahead).")}),
    "ReportStatus": {"type": "string", "enum": ["not_yet_due", "due", "late", "submitted", "returned", "approved", "not_received"]},
    "ReportReporter": objs({"key": s("The team's id or the unit's code."), "name": STR, "unit": ref("UnitRef")}, ["key", "name", "unit"]),
    "ReportWarning": objs({"rule": STR, "field": STR, "low": {"type": "number"}, "high": {"type": "number"}}, ["rule", "field"]),
    "Report": objs({
        "template": STR, "version": {"type": "integer"}, "name": STR, "period": STR, "periodStart": DATE, "periodEnd": DATE,
        "deadline": DATE, "lockDate": DATE, "reporter": ref("ReportReporter"), "status": ref("ReportStatus"),
        "revision": {"type": "integer", "minimum": 0, "description": "How many times it was submitted."},
        "receivedAt": s("First receipt by the server: what timeliness is judged by.", format="date-time"), "onTime": {"type": "boolean"},
        "reason": s("The reviewer's reason (returned, not received, reopened)."), "entryOpen": {"type": "boolean"},
        "exceptionUntil": DATE, "fields": {"type": "array", "items": ref("ReportField")},
        "figures": {"type": "object", "additionalProperties": {"type": "number"}, "description": "Read from the rollups now (draft) or at submission."},
        "numbers": {"type": "object", "additionalProperties": {"type": "integer"}},
        "texts": {"type": "object", "additionalProperties": {"type": "string"}},
        "included": objs({"template": STR, "expected": {"type": "integer"}, "approved": {"type": "integer"}, "settled": {"type": "integer"},
                          "numbers": {"type": "object", "additionalProperties": {"type": "integer"}}},
                         ["template", "expected", "approved", "settled", "numbers"]),
        "warnings": {"type": "array", "items": ref("ReportWarning")},
        "history": {"type": "array", "items": objs({"kind": {"type": "string", "enum": ["saved", "submitted", "resubmitted", "returned", "approved", "reopened", "not_received"]},
                                                    "actor": STR, "at": s(format="date-time"), "reason": STR}, ["kind", "actor", "at"])},
        "actions": objs({k: {"type": "boolean"} for k in ["save", "submit", "review", "reopen", "grantException"]},
                        ["save", "submit", "review", "reopen", "grantException"])},
        ["template", "version", "name", "period", "periodStart", "periodEnd", "deadline", "lockDate", "reporter", "status", "revision",
         "entryOpen", "fields", "figures", "numbers", "texts", "warnings", "history", "actions"], "A periodic report (báo cáo định kỳ)."),
    "ReportCounts": objs({"expected": {"type": "integer", "minimum": 0}, "received": {"type": "integer", "minimum": 0},
                          "onTime": {"type": "integer", "minimum": 0}, "approved": {"type": "integer", "minimum": 0},
                          "completeness": {"type": "number", "minimum": 0, "maximum": 100}, "timeliness": {"type": "number", "minimum": 0, "maximum": 100}},
                         ["expected", "received", "onTime", "approved"]),
    "ReportReview": objs({
        "unit": ref("UnitRef"), "template": STR, "name": STR, "period": STR, "deadline": DATE, "lockDate": DATE,
        "closed": {"type": "boolean", "description": "Whether the period has closed: its expected reporters are fixed and counted."},
        "counts": ref("ReportCounts"),
        "children": {"type": "array", "items": objs({"unit": ref("UnitRef"), "counts": ref("ReportCounts")}, ["unit", "counts"])},
        "slots": {"type": "array", "items": objs({"reporter": ref("ReportReporter"), "status": ref("ReportStatus"),
                                                  "receivedAt": s(format="date-time"), "onTime": {"type": "boolean"},
                                                  "warnings": {"type": "integer", "minimum": 0, "description": "How many rule warnings the received report has."}},
                                                 ["reporter", "status", "warnings"])},
        "missing": {"type": "array", "items": ref("ReportReporter")},
        "reminders": {"type": "array", "items": objs({"recipient": STR, "message": STR, "createdAt": s(format="date-time"), "status": STR},
                                                     ["recipient", "message", "status"])}},
        ["unit", "template", "name", "period", "deadline", "lockDate", "closed", "counts", "children", "slots", "missing", "reminders"],
        "The reports of a template and period under a unit (bảng theo dõi báo cáo)."),
})

def types_only(schema):
    """A payload as a batch item: the declared fields with their JSON types (uuid ids stay uuid), no other rule."""
    def plain(p):
        if "$ref" in p: return {"type": "string"}
        if "anyOf" in p: return {"type": "string"}
        return {k: v for k, v in p.items() if k in ("type", "items") or (k == "format" and v == "uuid")}
    return objs({n: plain(p) for n, p in schema["properties"].items()}, description="Checked on its own: a broken rule rejects the item only.")
schemas.update({"SyncHousehold": types_only(schemas["HouseholdPayload"]), "SyncResident": types_only(schemas["ResidentPayload"]),
                "SyncActivity": types_only(schemas["ActivityPayload"])})

PROBLEM = {"application/problem+json": {"schema": ref("Problem")}}
responses = {
    "Unauthorized": {"description": "No valid bearer token, or (on sign-in) wrong login or password.", "content": PROBLEM},
    "Forbidden": {"description": "The account's role or scope does not allow this.", "content": PROBLEM},
    "NotFound": {"description": "No such resource, or it lies outside the account's scope.", "content": PROBLEM},
    "Conflict": {"description": "Conflicts with existing data.", "content": PROBLEM},
    "Invalid": {"description": "Invalid input; `errors` names every offending field.", "content": PROBLEM},
    "TooLarge": {"description": "The body is past its size limit (1 MB for JSON, 5 MB for a sync batch, 20 MB for a workbook); for an import `rows` names the limit.", "content": PROBLEM},
    "Busy": {"description": "No database connection was free in time, or SQLite's writer stayed busy: nothing was done, and the request can be sent again as it was after `Retry-After` seconds.",
             "headers": {"Retry-After": {"schema": {"type": "integer"}}}, "content": PROBLEM},
    "UnsupportedMediaType": {"description": "The request has a body without a `Content-Type`.", "content": PROBLEM},
    "SignInPaused": {"description": "Too many failed sign-ins for this login or address, or too many reads of personal data in a minute; `Retry-After` gives the seconds to wait.",
                     "headers": {"Retry-After": {"schema": {"type": "integer"}}}, "content": PROBLEM},
}
ERR = {"401": "Unauthorized", "403": "Forbidden", "404": "NotFound", "409": "Conflict", "413": "TooLarge", "415": "UnsupportedMediaType",
       "422": "Invalid", "429": "SignInPaused", "503": "Busy"}

def qp(name, schema, desc):
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": desc}
parameters = {
    "code": {"name": "code", "in": "path", "required": True, "schema": {"type": "string"}, "description": "Unit code (`01`, `26734`, `26734-007`)."},
    "id": {"name": "id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}},
    "asOf": qp("asOf", or_empty(DATE), "The date to read units as of (yyyy-MM-dd); today when absent or empty."),
    "limit": qp("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}, "Page size."),
    "template": {"name": "template", "in": "path", "required": True, "schema": {"type": "string"}, "description": "Report template code."},
    "reportPeriod": {"name": "period", "in": "path", "required": True, "schema": {"type": "string"}, "description": "A period of the template's cycle: `2026-11`, `2026-Q4`, `2026`, `2026-W47`, a campaign's `2026-11-01..2026-11-15`."},
    "reporter": {"name": "reporter", "in": "path", "required": True, "schema": {"type": "string"}, "description": "The team's id (team reports) or the unit's code."},
    "cursor": qp("cursor", {"type": "string", "pattern": "^[0-9]{0,18}$"}, "The `next` of the previous page (a number); the first page when absent or empty."),
}
def P(name): return {"$ref": f"#/components/parameters/{name}"}

def json_body(schema, desc=None):
    b = {"required": True, "content": {"application/json": {"schema": ref(schema)}}}
    if desc: b["description"] = desc
    return b

PLACE = {"type": "string", "pattern": "^([Vv][Nn]|[0-9]{2,3}|[0-9]{5}|[0-9]{5}-[0-9]{3})?$"}
PLACE_QP = qp("unit", PLACE, "Unit code; `VN`, empty or none for the nation (admin only: 403 otherwise).")
PERIOD_QP = qp("period", {"type": "string", "pattern": "^(" + PERIOD[1:-1] + ")?$"},
               "`2026`, `2026-Q2` or `2026-11` (a range of days `2026-06-01..2026-08-31` is read too); this year when absent or empty.")
INDICATOR_QP = {**qp("indicator", {"type": "string", "pattern": NON_BLANK}, "Indicator code of the unit's catalogue (422 when unknown)."), "required": True}
TIER_QP = qp("tier", {"type": "string", "enum": TIERS + [""]}, "Rank all units of this tier under the unit instead of its children.")
DASH = [PLACE_QP, PERIOD_QP,
        qp("hierarchy", or_empty(DATE), "Group under the units in force on this date (default today; before 2025-07-01: 63 provinces).")]

def op(op_id, summary, tag, ok_status, ok_schema, errors, params=None, body=None, ok_desc=None, ok_content=None, public=False, description=None):
    o = {"operationId": op_id, "summary": summary, "tags": [tag]}
    if description: o["description"] = description
    if params: o["parameters"] = params
    if body:
        o["requestBody"] = body
        if "application/json" in body["content"]: errors = [*errors, "415"]
        errors = [*errors, "413"]
    if op_id != "getOpenAPI":
        errors = [*errors, "503"]
    # A query parameter given twice is refused by name (422), on every operation that takes one.
    def is_query(p):
        return p.get("in") == "query" or p.get("$ref", "").split("/")[-1] in ("asOf", "limit", "cursor")
    if params and any(is_query(p) for p in params):
        errors = [*errors, "422"]
    content = ok_content if ok_content is not None else {"application/json": {"schema": ref(ok_schema)}}
    r = {str(ok_status): {"description": ok_desc or ("Created" if ok_status == 201 else "OK"), "content": content}}
    if ok_status == 204: r = {"204": {"description": ok_desc or "Done"}}
    for e in sorted(set(errors)):
        r[e] = {"$ref": f"#/components/responses/{ERR[e]}"}
    o["responses"] = r
    if public: o["security"] = []
    return o

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BIN = {"type": "string", "format": "binary"}
paths = {
    "/openapi.json": {"get": op("getOpenAPI", "This OpenAPI document", "meta", 200, None, [], public=True,
                                ok_content={"application/json": {"schema": {"type": "object"}}}, ok_desc="The OpenAPI 3.1 document")},
    "/auth/login": {"post": op("login", "Sign in and get a bearer token", "accounts", 200, "LoginResponse", ["401", "422", "429"],
                               body=json_body("LoginRequest"), public=True,
                               description="Failures are counted per login (whether or not an account has it) and per address: after a few, each "
                                           "attempt waits longer, and after 10 the login is locked for 15 minutes (429 with Retry-After) "
                                           "unless an official above it unlocks it.")},
    "/auth/logout": {"post": op("logout", "Revoke the bearer token sent and the account's refresh tokens", "accounts", 204, None, ["401"])},
    "/auth/refresh": {"post": op("refresh", "Exchange a refresh token, once, for a new pair", "accounts", 200, "LoginResponse", ["401", "422"],
                                 body=json_body("RefreshRequest"), public=True)},
    "/me/tokens": {"get": op("listMyTokens", "The signed-in account's live tokens", "accounts", 200, None, ["401"],
                             ok_content={"application/json": {"schema": {"type": "array", "items": ref("Token")}}})},
    "/tokens/{id}": {"parameters": [P("id")],
        "delete": op("revokeToken", "Revoke a token of one's own or of an account one administers", "accounts", 204, None, ["401", "403", "404", "422"],
                     description="422 when `id` is not a UUID.")},
    "/users/{id}/tokens": {"parameters": [P("id")],
        "get": op("listUserTokens", "An administered account's live tokens", "accounts", 200, None, ["401", "403", "404", "422"],
                  ok_content={"application/json": {"schema": {"type": "array", "items": ref("Token")}}})},
    "/me": {"get": op("getMe", "The signed-in account", "accounts", 200, "User", ["401"])},
    "/me/password": {"post": op("changePassword", "Change the signed-in account's password; revokes its other tokens", "accounts", 204, None,
                                ["401", "422"], body=json_body("ChangePasswordRequest"))},
    "/units": {
        "get": op("listUnits", "List units as of a date", "units", 200, "UnitList", ["401", "404", "422"],
                  params=[qp("tier", ref("Tier"), "Only units of this tier."),
                          qp("parent", {"type": "string", "pattern": UNIT_CODE}, "Only the children of the unit with this code (404 if unknown)."),
                          qp("q", {"type": "string"}, "Search the name, ignoring case and diacritics."),
                          P("asOf"), P("limit"), P("cursor")],
                  description="Units valid on `asOf` within the account's scope, coarsest tier first, then by code."),
        "post": op("createHamlet", "Create a hamlet under a commune", "units", 201, "Unit", ["401", "403", "409", "422"],
                   body=json_body("CreateHamletRequest")),
    },
    "/units/{code}": {"parameters": [P("code")],
        "get": op("getUnit", "Show a unit as of a date", "units", 200, "Unit", ["401", "404", "422"], params=[P("asOf")])},
    "/units/{code}/lineage": {"parameters": [P("code")],
        "get": op("getUnitLineage", "A unit's predecessors and successors", "units", 200, "Lineage", ["401", "404", "422"], params=[P("asOf")])},
    "/units/{code}/former-commune": {"parameters": [{"name": "code", "in": "path", "required": True, "schema": {"type": "string", "pattern": HAMLET_CODE},
                                                      "description": "A hamlet's code (`26734-007`)."}],
        "put": op("setFormerCommune", "Correct a hamlet's commune before 1 July 2025", "units", 200, "Unit", ["401", "403", "404", "422"],
                  body=json_body("FormerCommuneRequest"),
                  description="A hamlet's former commune defaults to a predecessor of its commune (one merged whole, lowest code). "
                              "Correcting it moves every figure of the hamlet, in the same transaction, so that figures read under the "
                              "hierarchy before 1 July 2025 put it in the right former commune. `code` must be a hamlet (422 otherwise)."),
    },
    "/units/{code}/composition-policy": {"parameters": [{"name": "code", "in": "path", "required": True, "schema": {"type": "string", "pattern": PROVINCE_CODE},
                                                         "description": "A province's code (2 digits)."}],
        "get": op("getCompositionPolicy", "A province's team composition rules", "units", 200, "CompositionPolicy", ["401", "403", "404", "422"],
                  description="`code` must be a province (422 otherwise). Readable from inside the province and from above it."),
        "put": op("updateCompositionPolicy", "Set a province's team composition rules", "units", 200, "CompositionPolicy", ["401", "403", "404", "422"],
                  body=json_body("CompositionPolicyRequest"),
                  description="`code` must be a province. Every active team of the province is re-checked."),
    },
    "/units/{code}/team-imports": {"parameters": [P("code")],
        "post": op("importTeams", "Import a commune's teams from a spreadsheet", "teams", 201, "ImportResult", ["401", "403", "413", "422"],
                   body={"required": True, "description": "The file itself (at most 20 MB), filled in from the template.",
                         "content": {XLSX: {"schema": BIN}, "text/csv": {"schema": BIN}}},
                   description="`code` is a commune of the caller's scope (an unknown one is a 422). Every row is checked and nothing is written unless the whole file is valid; otherwise 422 with `rows` listing every problem.")},
    "/team-imports/template.xlsx": {
        "get": op("getTeamImportTemplate", "Download the import template", "teams", 200, None, ["401"],
                  ok_desc="The template workbook (mau-nhap-to-cnscd.xlsx)", ok_content={XLSX: {"schema": BIN}})},
    "/teams": {
        "get": op("listTeams", "List teams", "teams", 200, "TeamList", ["401", "403", "404", "422"],
                  params=[qp("unit", {"type": "string", "pattern": UNIT_CODE}, "Only teams in the subtree of the unit with this code (404 if unknown)."),
                          qp("compliant", {"type": "string", "enum": ["true", "false"]}, "`true`: only teams without composition findings; `false`: only teams with some."),
                          qp("status", ref("TeamStatus"), "Only teams with this status."),
                          qp("asOf", or_empty(DATE), "The date the `unit` code is read as of; today when absent or empty."), P("limit"), P("cursor")]),
        "post": op("createTeam", "Found a team", "teams", 201, "Team", ["401", "403", "409", "422"], body=json_body("CreateTeamRequest")),
    },
    "/teams/{id}": {"parameters": [P("id")],
        "get": op("getTeam", "Show a team with its members and history", "teams", 200, "Team", ["401", "404"]),
        "patch": op("updateTeam", "Rename or dissolve a team", "teams", 200, "Team", ["401", "403", "404", "422"], body=json_body("UpdateTeamRequest")),
    },
    "/teams/{id}/consolidations": {"parameters": [P("id")],
        "post": op("consolidateTeam", "Record a consolidation (kiện toàn)", "teams", 201, "Team", ["401", "403", "404", "422"],
                   body=json_body("ConsolidateTeamRequest"))},
    "/teams/{id}/members": {"parameters": [P("id")],
        "post": op("addTeamMember", "Add a member to a team", "teams", 201, "Member", ["401", "403", "404", "409", "422"],
                   body=json_body("AddMemberRequest"))},
    "/memberships/{id}/end": {"parameters": [P("id")],
        "post": op("endMembership", "End a membership", "teams", 200, "Member", ["401", "403", "404", "422"],
                   body=json_body("EndMembershipRequest"))},
    "/members/{id}/transfer": {"parameters": [P("id")],
        "post": op("transferMember", "Move a member to another team (by an official whose area holds both)", "teams", 200, "Member",
                   ["401", "403", "404", "422"], body=json_body("TransferMemberRequest"))},
    "/members/{id}/erase": {"parameters": [P("id")],
        "post": op("eraseMember", "Erase a former member's name and phone at their request", "teams", 204, None, ["401", "403", "404", "422"])},
    "/users": {
        "get": op("listUsers", "List accounts in scope", "accounts", 200, "UserList", ["401", "403", "422"], params=[P("limit"), P("cursor")]),
        "post": op("createUser", "Create an account", "accounts", 201, "User", ["401", "403", "409", "422"], body=json_body("CreateUserRequest")),
    },
    "/users/{id}/member": {"parameters": [P("id")],
        "put": op("linkUserMember", "Link an account to its member of the team registry, found by phone in its area (empty: unlink)", "accounts", 200,
                  "User", ["401", "403", "404", "422"], body=json_body("LinkMemberRequest"))},
    "/users/{id}/unlock": {"parameters": [P("id")],
        "post": op("unlockUser", "Lift an account's sign-in lockout", "accounts", 200, "User", ["401", "403", "404", "422"])},
    "/users/{id}/disable": {"parameters": [P("id")],
        "post": op("disableUser", "Disable an account and revoke its tokens", "accounts", 200, "User", ["401", "403", "404", "422"])},
    "/users/{id}/enable": {"parameters": [P("id")],
        "post": op("enableUser", "Enable a disabled account", "accounts", 200, "User", ["401", "403", "404", "422"])},
    "/users/{id}/password": {"parameters": [P("id")],
        "post": op("resetUserPassword", "Set a new password the holder must change at next sign-in; revokes its tokens", "accounts", 200, "User",
                   ["401", "403", "404", "422"], body=json_body("ResetPasswordRequest"))},
    "/services": {"get": op("listServices", "The digital-services catalogue visible to the account", "outreach", 200, None, ["401"],
                            ok_content={"application/json": {"schema": {"type": "array", "items": ref("Service")}}}),
                  "post": op("createService", "Add a province's own service, visible only in the province", "outreach", 201, "Service",
                             ["401", "403", "404", "409", "422"], body=json_body("CreateServiceRequest"))},
    "/households": {"post": op("createHousehold", "Record a household", "outreach", 201, "Household", ["401", "403", "422"],
                               body=json_body("HouseholdPayload"), description="200 when a household with the same id was already received.")},
    "/residents": {
        "get": op("listResidents", "Residents in scope (masked)", "outreach", 200, "ResidentList", ["401", "403", "404", "422", "429"],
                  params=[qp("unit", {"type": "string", "pattern": UNIT_CODE}, "Under the unit with this code (404 if unknown)."), P("limit"), P("cursor")],
                  description="Personal data: commune, leader and member accounts only (403 for others). Each page read is audited, and an "
                              "account may read personal data 60 times a minute (429 with Retry-After). A `cccd` parameter is refused "
                              "(422): look numbers up with POST /residents/lookup."),
        "post": op("createResident", "Record a resident", "outreach", 201, "Resident", ["401", "403", "409", "422"], body=json_body("ResidentPayload"),
                   description="200 when a resident with the same id was already received. 409 when the CCCD number is already recorded: "
                               "inside the caller's area the error names the resident holding it, outside it only says it is recorded elsewhere."),
    },
    "/residents/lookup": {
        "post": op("lookupResident", "Find residents in scope by citizen ID (through a keyed hash; audited without the number)", "outreach", 200,
                   "ResidentList", ["401", "403", "422", "429"], body=json_body("ResidentLookupRequest"))},
    "/residents/{id}": {"parameters": [P("id")],
        "get": op("getResident", "One resident (masked)", "outreach", 200, "Resident", ["401", "403", "404"]),
        "patch": op("correctResident", "Correct a resident's record (fields left out stay)", "outreach", 200, "Resident", ["401", "403", "404", "409", "422"],
                    body=json_body("ResidentCorrection"), description="422 for an erased record.")},
    "/residents/{id}/export": {"parameters": [P("id")],
        "get": op("exportResident", "Everything recorded about a resident, for the resident (CCCD in full; audited)", "outreach", 200, "ResidentExport",
                  ["401", "403", "404"])},
    "/residents/{id}/merge": {"parameters": [P("id")],
        "post": op("mergeResident", "Merge this record into another of the same person (commune accounts): supports move, figures follow",
                   "outreach", 200, "Resident", ["401", "403", "404", "422"], body=json_body("MergeResidentRequest"),
                   description="Answers the record that stays. Every support still counting moves there as a correction of the one it "
                               "replaces; the merged record stops being counted and gives up its personal data.")},
    "/residents/{id}/erase": {"parameters": [P("id")],
        "post": op("eraseResident", "Erase a resident's personal data on request; supports stay, anonymised", "outreach", 200, "Resident",
                   ["401", "403", "404"])},
    "/sync": {
        "post": op("sync", "Send a batch from a phone (up to 1,000 items)", "outreach", 200, "SyncResponse", ["401", "403", "422"],
                   body=json_body("SyncRequest"),
                   description="Each item is created, recognised as already received (`duplicate`) or rejected with its reasons; the rest land. "
                               "What is acknowledged is durable."),
        "get": op("pullWorkingSet", "The phone's working set changed since a cursor", "outreach", 200, "WorkingSet", ["401", "403", "422", "429"],
                  params=[qp("since", {"type": "string", "pattern": "^(-?[0-9]{1,12}(\\.[0-9]{1,9})?)?$"},
                             "The `cursor` of the previous pull (seconds since 1970); everything when absent or empty."), P("limit")]),
    },
    "/units/{code}/resident-imports": {"parameters": [P("code")],
        "post": op("importResidents", "Import households and residents of a commune or hamlet from .xlsx or .csv (all or nothing)", "outreach", 201, None,
                   ["401", "403", "404", "413", "422"],
                   body={"required": True, "content": {XLSX: {"schema": BIN}, "text/csv": {"schema": {"type": "string"}}}},
                   ok_content={"application/json": {"schema": objs({"households": {"type": "integer"}, "residents": {"type": "integer"}}, ["households", "residents"])}})},
    "/resident-imports/template.xlsx": {"get": op("residentImportTemplate", "The resident import template", "outreach", 200, None, ["401"],
                                                  ok_content={XLSX: {"schema": BIN}}, ok_desc="The workbook")},
    "/sweep": {"get": op("sweepList", "Eligible residents without a service done, by household", "outreach", 200, "Sweep", ["401", "403", "404", "422", "429"],
                         params=[qp("unit", {"type": "string", "pattern": UNIT_CODE}, "The hamlet, commune or province code (this or `team`; 404 if unknown)."),
                                 qp("team", {"type": "string", "format": "uuid"}, "A team: its hamlet's list (404 if unknown)."),
                                 {**qp("service", {"type": "string", "pattern": NON_BLANK}, "The service code (422 when not in the catalogue)."), "required": True}])},
    "/indicators": {
        "get": op("listIndicators", "The indicator catalogue for a unit: national ones and its province's own", "dashboards", 200, None, ["401", "403", "404"],
                  params=[PLACE_QP],
                  ok_content={"application/json": {"schema": {"type": "array", "items": ref("Indicator")}}}),
        "post": op("createIndicator", "Add a province's own indicator (count, coverage of a service, or reported by hand)", "dashboards", 201, "Indicator",
                   ["401", "403", "404", "409", "422"], body=json_body("CreateIndicatorRequest"))},
    "/dashboard": {"get": op("dashboard", "Every indicator of a unit: actual, target, % of plan, trend, breakdown by child units", "dashboards", 200, None,
                             ["401", "403", "404", "422"], params=DASH, ok_content={"application/json": {"schema": ref("Dashboard")}},
                             description="Read from rollups updated in the same transaction as every write: fresh the moment a write is acknowledged.")},
    "/rankings": {"get": op("rankings", "Child units (or all units of a tier) ranked on an indicator, with their previous rank", "dashboards", 200, None,
                            ["401", "403", "404", "422"], params=DASH + [INDICATOR_QP,
                            qp("measure", {"type": "string", "enum": ["absolute", "percent", "per1000", ""]}, "Ranked on: absolute (default), % of plan, per 1,000 residents."),
                            TIER_QP],
                            ok_content={"application/json": {"schema": ref("Ranking")}})},
    "/review": {"get": op("review", "The monthly review: units to commend, to remind, and quiet teams", "dashboards", 200, None, ["401", "403", "404", "422"],
                          params=DASH + [INDICATOR_QP, TIER_QP,
                                         qp("top", {"type": "integer", "minimum": 1, "maximum": 100}, "How many to commend (default 5)."),
                                         qp("threshold", {"type": "integer", "minimum": 0, "maximum": 100}, "Remind below this % of plan (default 50)."),
                                         qp("inactiveDays", {"type": "integer", "minimum": 1, "maximum": 365}, "Teams with no support for this many days (default 14).")],
                          ok_content={"application/json": {"schema": ref("Review")}})},
    "/report-templates": {
        "get": op("listReportTemplates", "Report templates in force in or above the account's area (latest versions)", "reports", 200, None, ["401"],
                  ok_content={"application/json": {"schema": {"type": "array", "items": ref("ReportTemplate")}}}),
        "post": op("saveReportTemplate", "A province's (or a national) template, or a new version of one, applying from the next period", "reports",
                   201, "ReportTemplate", ["401", "403", "404", "409", "422"], body=json_body("ReportTemplateRequest"))},
    "/reports": {"get": op("reviewReports", "The review table: each reporter's status, counts of closed periods, who has not reported, reminders", "reports",
                           200, "ReportReview", ["401", "403", "404", "422"], params=[
                               {**qp("template", {"type": "string", "pattern": NON_BLANK}, "Template code (422 when unknown)."), "required": True},
                               {**qp("period", {"type": "string", "pattern": REPORT_PERIOD}, "A period of the template's cycle (422 otherwise)."), "required": True},
                               PLACE_QP])},
    "/reports/mine": {"get": op("myReports", "The reports the account makes (a team's leader, a commune's or a province's account): this period and the two before of each template, as the phone app keeps them",
                                "reports", 200, None, ["401"], ok_content={"application/json": {"schema": {"type": "array", "items": ref("Report")}}})},
    "/reports/{template}/{period}/{reporter}": {"parameters": [P("template"), P("reportPeriod"), P("reporter")],
        "get": op("getReport", "A report, pre-filled with the period's figures from the support log", "reports", 200, "Report", ["401", "404", "422"]),
        "put": op("saveReport", "Keep the typed values as a draft", "reports", 200, "Report", ["401", "403", "404", "409", "422"],
                  body=json_body("ReportEntries"))},
    "/reports/{template}/{period}/{reporter}/submit": {"parameters": [P("template"), P("reportPeriod"), P("reporter")],
        "post": op("submitReport", "Submit (or resubmit after a return): required fields checked, figures read again", "reports", 200, "Report",
                   ["401", "403", "404", "409", "422"], body=json_body("ReportEntries"))},
    "/reports/{template}/{period}/{reporter}/return": {"parameters": [P("template"), P("reportPeriod"), P("reporter")],
        "post": op("returnReport", "Return to the reporter with a reason (the reviewing tier)", "reports", 200, "Report", ["401", "403", "404", "409", "422"], body=json_body("ReportReason"))},
    "/reports/{template}/{period}/{reporter}/approve": {"parameters": [P("template"), P("reportPeriod"), P("reporter")],
        "post": op("approveReport", "Approve: the report is locked and its typed values feed the manual indicators (the reviewing tier; the tier below settled first)", "reports", 200, "Report", ["401", "403", "404", "409", "422"], body=json_body("ReportReason"))},
    "/reports/{template}/{period}/{reporter}/not-received": {"parameters": [P("template"), P("reportPeriod"), P("reporter")],
        "post": op("markReportNotReceived", "Settle a period without a report, with a reason (the reviewing tier)", "reports", 200, "Report", ["401", "403", "404", "409", "422"], body=json_body("ReportReason"))},
    "/reports/{template}/{period}/{reporter}/reopen": {"parameters": [P("template"), P("reportPeriod"), P("reporter")],
        "post": op("reopenReport", "Reopen an approved report with a reason (the tier above the reviewer)", "reports", 200, "Report", ["401", "403", "404", "409", "422"], body=json_body("ReportReason"))},
    "/reports/{template}/{period}/{reporter}/exception": {"parameters": [P("template"), P("reportPeriod"), P("reporter")],
        "post": op("grantReportException", "Allow entry after the lock date until a day, with a reason (the reviewing tier)", "reports", 200, "Report", ["401", "403", "404", "409", "422"], body=json_body("ReportReason"))},
    "/training/courses": {
        "get": op("listTrainingCourses", "Courses offered in the caller's area: its own units' and those above it, newest first", "training", 200, None, ["401"],
                  ok_content={"application/json": {"schema": {"type": "array", "items": ref("TrainingCourse")}}}),
        "post": op("createTrainingCourse", "Add a course", "training", 201, "TrainingCourse", ["401", "403", "404", "422"], body=json_body("CreateTrainingCourseRequest"))},
    "/training/courses/{id}": {"parameters": [P("id")],
        "put": op("updateTrainingCourse", "Correct a course (its unit's officials); it stays in its unit, its sessions untouched", "training", 200, "TrainingCourse",
                  ["401", "403", "404", "422"], body=json_body("CreateTrainingCourseRequest"), description="`unit` is ignored: a course stays where it was made."),
        "delete": op("removeTrainingCourse", "Remove a course made by mistake: only one without sessions (409 otherwise)", "training", 204, None, ["401", "403", "404", "409"])},
    "/training/sessions": {
        "get": op("listTrainingSessions", "Sessions of the caller's area and of the units above it, latest first (at most 200)", "training", 200, None, ["401"],
                  ok_content={"application/json": {"schema": {"type": "array", "items": ref("TrainingSession")}}}),
        "post": op("createTrainingSession", "Add a session of a course", "training", 201, "TrainingSession", ["401", "403", "404", "422"],
                   body=json_body("CreateTrainingSessionRequest"))},
    "/training/sessions/{id}": {"parameters": [P("id")],
        "get": op("getTrainingSession", "A session with the attendances of the caller's area", "training", 200, "TrainingSessionDetail", ["401", "404"]),
        "put": op("updateTrainingSession", "Correct a session's day, place, link, trainer or seats (its unit's officials)", "training", 200, "TrainingSession",
                  ["401", "403", "404", "409", "422"], body=json_body("CreateTrainingSessionRequest"),
                  description="`course` and `unit` are ignored. The day moves only while nobody is marked present (409): the figures count attendances on it."),
        "delete": op("removeTrainingSession", "Remove a session made by mistake, with its absences: only while nobody is marked present (409 otherwise)", "training", 204, None,
                     ["401", "403", "404", "409"])},
    "/training/sessions/{id}/attendance": {"parameters": [P("id")],
        "put": op("recordTrainingAttendance", "Record members present or absent, with their results; the training figures move in the same transaction", "training",
                  200, "TrainingSessionDetail", ["401", "403", "404", "422"], body=json_body("TrainingAttendanceRequest"),
                  description="Whoever keeps the member's team list may record (the leader, the commune, the province). Present only from the session's day; "
                              "never more present than the seats (422 naming `entries`).")},
    "/training/sessions/{id}/attendance-imports": {"parameters": [P("id")],
        "post": op("importTrainingAttendance", "Import the organiser's attendance list or a OneTouch MOOC completion list", "training", 200, "TrainingImportResult",
                   ["401", "403", "404", "413", "422"],
                   body={"required": True, "description": "The file itself (at most 20 MB): a phone column, and optionally name, present, result, certificate.",
                         "content": {XLSX: {"schema": BIN}, "text/csv": {"schema": BIN}}},
                   description="Every row is checked first and nothing is written if one has a problem (422 with `rows`). Members are matched by phone "
                               "within the session's area and the caller's; rows that match nobody are listed and skipped.")},
    "/members/{id}/training": {"parameters": [P("id")],
        "get": op("getMemberTraining", "A member's training record", "training", 200, "MemberTraining", ["401", "404"])},
    "/warnings": {
        "get": op("listWarnings", "A unit's open early warnings, computed afresh for its subtree", "warnings", 200, "WarningList", ["401", "403", "404"],
                  params=[PLACE_QP], description="Teams idle, teams failing the composition rules too long, teams with members untrained this year, "
                                                  "communes behind plan pro rata; the province's thresholds apply.")},
    "/tasks": {
        "get": op("listMyTasks", "The open warnings the caller answers for: a leader's team's, a commune's", "warnings", 200, None, ["401"],
                  ok_content={"application/json": {"schema": {"type": "array", "items": ref("Warning")}}})},
    "/units/{code}/warning-settings": {"parameters": [{"name": "code", "in": "path", "required": True, "schema": {"type": "string", "pattern": PROVINCE_CODE},
                                                       "description": "A province's code (2 digits)."}],
        "get": op("getWarningSettings", "A province's warning thresholds", "warnings", 200, "WarningSettings", ["401", "403", "404", "422"]),
        "put": op("updateWarningSettings", "Set a province's warning thresholds (those who set its targets)", "warnings", 200, "WarningSettings",
                  ["401", "403", "404", "422"], body=json_body("WarningSettings"))},
    "/notifications": {
        "get": op("listMyNotifications", "The caller's messages (report reminders, warning tasks), newest first, at most 100", "warnings", 200, None, ["401"],
                  ok_content={"application/json": {"schema": {"type": "array", "items": ref("Notification")}}})},
    "/notifications/{id}/read": {"parameters": [P("id")],
        "post": op("markNotificationRead", "Mark one of the caller's messages read", "warnings", 204, None, ["401", "404"])},
    "/me/zalo": {
        "get": op("getMyZalo", "The caller's Zalo channel: whether the province has an OA, the choice, the link and its code", "zalo", 200, "ZaloChannel", ["401"]),
        "put": op("chooseMyZalo", "Turn the caller's Zalo notifications on (with a fresh link code while unlinked; a stop is lifted) or off", "zalo", 200,
                  "ZaloChannel", ["401", "409", "422"], body=json_body("ZaloChannelRequest"),
                  description="409 when the caller's province has no Zalo OA configured.")},
    "/zalo/provinces": {
        "get": op("listZaloProvinces", "The provinces' Zalo channel: OA, templates, webhook address, linked accounts, last week's delivery", "zalo", 200, None,
                  ["401", "403"], ok_content={"application/json": {"schema": {"type": "array", "items": ref("ZaloProvince")}}},
                  description="A province's officials see their province (configured or not); the ministry sees the provinces configured.")},
    "/zalo/webhook/{province}": {
        "servers": [{"url": "/"}],
        "parameters": [{"name": "province", "in": "path", "required": True, "schema": {"type": "string"}, "description": "The province's two-digit code."}],
        "post": op("receiveZaloEvent", "Zalo's webhook for a province's OA (called by Zalo, signed)", "zalo", 200, "ZaloWebhookAnswer", ["401", "404", "422"],
                   public=True, body={"required": True, "content": {"application/json": {"schema": {"type": "object"}}},
                                      "description": "An event as Zalo sends it: `app_id`, `event_name`, `timestamp` (ms), `sender`, `message`…"},
                   description="`X-ZEvent-Signature: mac=<SHA-256 of app id + body + timestamp + OA secret>` (configurable per province); "
                               "401 when it does not match or the event is too old; each event is handled once (by `msg_id`).")},
    "/difficulties": {
        "get": op("listDifficulties", "Difficulties of the caller's area (of a unit under it), newest first, at most 200", "coordination", 200, None, ["401", "403", "404", "422"],
                  params=[qp("unit", {"type": "string", "pattern": "^([0-9]{2,3}|[0-9]{5}|[0-9]{5}-[0-9]{3})?$"}, "A unit code in the caller's scope."),
                          qp("status", {"type": "string", "enum": ["open", "answered", "solved", ""]}, "Only difficulties in this state.")],
                  ok_content={"application/json": {"schema": {"type": "array", "items": ref("Difficulty")}}}),
        "post": op("raiseDifficulty", "Raise a difficulty (the phone app sends its queued ones here)", "coordination", 201, "Difficulty", ["401", "403", "409", "422"],
                   body=json_body("RaiseDifficultyRequest"), description="It goes to the caller's commune, whose officials get a message. 200 when the same id was already raised by the caller.")},
    "/difficulties/mine": {
        "get": op("myDifficulties", "The difficulties the caller raised, with their answers (the phone app's list)", "coordination", 200, None, ["401"],
                  ok_content={"application/json": {"schema": {"type": "array", "items": ref("Difficulty")}}})},
    "/difficulties/{id}": {"parameters": [P("id")],
        "get": op("getDifficulty", "A difficulty with its history", "coordination", 200, "Difficulty", ["401", "404"])},
    "/difficulties/{id}/photo": {"parameters": [P("id")],
        "get": op("getDifficultyPhoto", "A difficulty's photo", "coordination", 200, None, ["401", "404"], ok_content={"image/jpeg": {"schema": BIN}})},
    "/difficulties/{id}/answer": {"parameters": [P("id")],
        "post": op("answerDifficulty", "Answer (its commune at the commune level; its province at any level); the asker is told", "coordination", 200, "Difficulty",
                   ["401", "403", "404", "409", "422"], body=json_body("DifficultyText"))},
    "/difficulties/{id}/forward": {"parameters": [P("id")],
        "post": op("forwardDifficulty", "Forward an open difficulty to the province's specialists (its commune); they are told", "coordination", 200, "Difficulty",
                   ["401", "403", "404", "409", "422"], body={**json_body("DifficultyText"), "required": False})},
    "/difficulties/{id}/solve": {"parameters": [P("id")],
        "post": op("solveDifficulty", "Mark solved (the asker, or whoever answers for it)", "coordination", 200, "Difficulty", ["401", "403", "404", "409"])},
    "/difficulties/{id}/reopen": {"parameters": [P("id")],
        "post": op("reopenDifficulty", "Reopen with a reason (the asker); it goes back to its level, which is told", "coordination", 200, "Difficulty",
                   ["401", "403", "404", "409", "422"], body=json_body("DifficultyText"))},
    "/difficulties/{id}/promote": {"parameters": [P("id")],
        "post": op("promoteDifficulty", "Promote the answer to the FAQ of its service (province: its own FAQ; ministry: the national one)", "coordination", 201, "FAQEntry",
                   ["401", "403", "404", "422"], body={**json_body("PromoteDifficultyRequest"), "required": False},
                   description="Promoted again by the same tier, the entry is replaced (200).")},
    "/announcements": {
        "get": op("listAnnouncements", "Notices and good practices for the caller's area and posted above it, newest first, with whether the caller read each", "coordination",
                  200, None, ["401"], ok_content={"application/json": {"schema": {"type": "array", "items": ref("Announcement")}}}),
        "post": op("postAnnouncement", "Post for a subtree (officials who manage it); every account there is told", "coordination", 201, "Announcement",
                   ["401", "403", "404", "422"], body=json_body("PostAnnouncementRequest"))},
    "/announcements/{id}": {"parameters": [P("id")],
        "get": op("getAnnouncement", "One announcement, with how many read it (and who, for its unit's officials)", "coordination", 200, "Announcement", ["401", "404"])},
    "/announcements/{id}/read": {"parameters": [P("id")],
        "post": op("markAnnouncementRead", "Record that the caller read it", "coordination", 204, None, ["401", "404"])},
    "/announcements/{id}/attachment": {"parameters": [P("id")],
        "get": op("getAnnouncementAttachment", "Its attachment", "coordination", 200, None, ["401", "404"], ok_content={t: {"schema": BIN} for t in ["application/pdf", "image/jpeg", "image/png", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", XLSX]})},
    "/guides": {
        "get": op("listGuides", "The guides the caller reads (a province's own version in place of the national guide it adapts), by service and title", "coordination", 200, None, ["401"],
                  params=[qp("service", {"type": "string"}, "Only this service's guides."), qp("q", {"type": "string"}, "Words of the title, with or without diacritics.")],
                  ok_content={"application/json": {"schema": {"type": "array", "items": ref("GuideSummary")}}}),
        "post": op("createGuide", "Write a guide (ministry: national; province: its own, or its version of a national guide)", "coordination", 201, "Guide",
                   ["401", "403", "409", "422"], body=json_body("GuideRequest"))},
    "/guides/{id}": {"parameters": [P("id")],
        "get": op("getGuide", "A guide's latest version, or the one asked for, with its steps and the list of versions", "coordination", 200, "Guide", ["401", "404"],
                  params=[qp("version", {"type": "integer", "minimum": 1}, "A published version (the latest when absent).")]),
        "put": op("publishGuideVersion", "Publish a new version (earlier versions stay readable)", "coordination", 200, "Guide",
                  ["401", "403", "404", "409", "422"], body=json_body("GuideRequest"),
                  description="409 when another save of the same guide committed at the same moment.")},
    "/guides/images/{id}": {"parameters": [P("id")],
        "get": op("getGuideImage", "A step's picture (never changes: cached by phones)", "coordination", 200, None, ["401", "404"], ok_content={"image/jpeg": {"schema": BIN}})},
    "/faq": {
        "get": op("searchFAQ", "Search the FAQ visible to the caller, without diacritics: every word must appear", "coordination", 200, None, ["401"],
                  params=[qp("service", {"type": "string"}, "Only this service's entries."), qp("q", {"type": "string"}, "Words, with or without diacritics (`vneid muc 2`).")],
                  ok_content={"application/json": {"schema": {"type": "array", "items": ref("FAQEntry")}}})},
    "/targets": {
        "get": op("listTargets", "A unit's target and its children's, with the finding on their sum", "dashboards", 200, None, ["401", "403", "404", "422"],
                  params=[PLACE_QP, INDICATOR_QP,
                          {**qp("period", {"type": "string", "pattern": PERIOD}, "`2026`, `2026-Q2` or `2026-11` (a range of days is read too)."), "required": True}],
                  ok_content={"application/json": {"schema": ref("Targets")}}),
        "put": op("setTarget", "Set a unit's target (by its parent tier or above); a started period needs a reason", "dashboards", 200, "UnitTarget",
                  ["401", "403", "404", "422"], body=json_body("SetTargetRequest"))},
    "/targets/split": {"post": op("splitTarget", "Split a unit's target among its child units: even, population, eligible or typed", "dashboards", 200, "Targets",
                                  ["401", "403", "404", "422"], body=json_body("SplitTargetRequest"))},
    "/campaigns": {
        "get": op("listCampaigns", "Campaigns of a unit's area", "dashboards", 200, None, ["401", "403", "404"],
                  params=[PLACE_QP],
                  ok_content={"application/json": {"schema": {"type": "array", "items": ref("Campaign")}}}),
        "post": op("createCampaign", "Create a campaign: name, dates, units taking part, indicators with targets", "dashboards", 201, "Campaign",
                   ["401", "403", "404", "422"], body=json_body("CreateCampaignRequest"))},
    "/campaigns/{id}": {"parameters": [P("id")],
        "get": op("getCampaign", "A campaign with its progress day by day", "dashboards", 200, "Campaign", ["401", "403", "404"])},
    "/indicator-values": {"post": op("reportIndicatorValue", "Report a value of a hand-reported indicator for a unit on a date", "dashboards", 201, "IndicatorValue",
                                     ["401", "403", "404", "422"], body=json_body("ReportValueRequest"))},
    "/audit": {
        "get": op("listAuditEntries", "Read the audit trail", "accounts", 200, "AuditList", ["401", "403", "422"],
                  params=[qp("entity", {"type": "string"}, "Only entries about this kind of entity (`team`, `member`, `membership`, `unit`, `user`, `composition_policy`, `team_import`)."),
                          qp("entityId", {"type": "string"}, "Only entries about the entity with this id."),
                          P("limit"), P("cursor")])},
}

# The phone sends a difficulty again when the first answer was lost: the same one comes back with 200.
paths["/difficulties"]["post"]["responses"]["200"] = {"description": "Already raised by the caller with this id",
                                                     "content": {"application/json": {"schema": ref("Difficulty")}}}

paths["/difficulties/{id}/promote"]["post"]["responses"]["200"] = {"description": "The tier's entry for this difficulty, replaced",
                                                                   "content": {"application/json": {"schema": ref("FAQEntry")}}}

doc = {
    "openapi": "3.1.0",
    "info": {
        "title": "Lan Tỏa API",
        "version": "1.0.0",
        "description": (
            "The API of Lan Tỏa, the server for Vietnam's community digital technology teams "
            "(Tổ công nghệ số cộng đồng, Tổ CNSCĐ): administrative units (tỉnh, xã/phường/đặc khu, thôn/tổ dân phố) "
            "with their 2025 reorganisation, the teams, their members and the accounts that manage them.\n\n"
            "Sign in with POST /auth/login and send the token as `Authorization: Bearer <token>`. Every account has a role "
            "and a scope unit and sees only that unit's subtree: what lies outside it is 404 to reads and 403 to writes.\n\n"
            "Errors are `application/problem+json` (RFC 9457); invalid input answers 422 with `errors` naming each offending field. "
            "Dates are `yyyy-MM-dd`, timestamps ISO 8601; unit codes are strings. Messages are Vietnamese, or English with `Accept-Language: en`."
        ),
    },
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearer": []}],
    "tags": [
        {"name": "meta", "description": "The API itself."},
        {"name": "accounts", "description": "Sign-in, accounts and the audit trail."},
        {"name": "units", "description": "Administrative units, their lineage, and provinces' composition rules."},
        {"name": "teams", "description": "Tổ CNSCĐ, their members and spreadsheet imports."},
        {"name": "outreach", "description": "Households, residents (personal data, masked), the support log, phone sync and sweep lists."},
        {"name": "dashboards", "description": "Indicators, targets and their splitting, campaigns, dashboards, rankings and the monthly review."},
        {"name": "reports", "description": "Periodic reports: templates, submission, review and approval up the tiers, completeness and timeliness."},
        {"name": "coordination", "description": "Difficulties (vướng mắc) raised by members and answered up the tiers, and the FAQ."},
        {"name": "warnings", "description": "Early warnings (cảnh báo sớm), the accounts' tasks and notifications."},
        {"name": "training", "description": "Training (tập huấn): courses, sessions, attendance entered or imported, members' training records."},
        {"name": "zalo", "description": "Zalo as a channel: each account's choice and link, the provinces' OAs, and Zalo's webhook."},
    ],
    "paths": paths,
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "A token from POST /auth/login, valid for 12 hours."}},
        "parameters": parameters,
        "responses": responses,
        "schemas": schemas,
    },
}

def request_bodies_as_read(schemas):
    """What Swift's decoding of the request DTOs allows besides the declared fields: an optional field may be null (read as
    absent), and unknown fields are ignored, whatever JSON they hold, as long as no text in them holds NUL."""
    schemas["NulFreeJSON"] = {"description": "Any JSON without the NUL character.", "anyOf": [
        {"type": ["null", "boolean", "number"]}, {"type": "string", "pattern": NUL_FREE},
        {"type": "array", "items": ref("NulFreeJSON")},
        {"type": "object", "propertyNames": {"pattern": NUL_FREE}, "additionalProperties": ref("NulFreeJSON")}]}
    def loosen(o):
        for name, prop in o.get("properties", {}).items():
            if name not in o.get("required", []):
                o["properties"][name] = {"anyOf": [prop, {"type": "null"}]}
            elif prop.get("type") == "array" and prop.get("items", {}).get("type") == "object":
                loosen(prop["items"])
        o["propertyNames"] = {"pattern": NUL_FREE}
        o["additionalProperties"] = ref("NulFreeJSON")
    for name, o in schemas.items():
        if name.endswith(("Request", "Payload", "Correction")) or name.startswith("Sync") and name != "SyncResponse" and name != "SyncItemResult":
            loosen(o)

def forbid_nul(node):
    """Every plain string (no pattern, format or enum of its own) may not hold NUL: see NUL_FREE."""
    if isinstance(node, dict):
        if node.get("type") == "string" and not {"pattern", "format", "enum", "const"} & node.keys() and node.get("maxLength") != 0:
            node["pattern"] = NUL_FREE
        for v in node.values(): forbid_nul(v)
    elif isinstance(node, list):
        for v in node: forbid_nul(v)
request_bodies_as_read(schemas)
forbid_nul(doc["paths"])
forbid_nul(doc["components"])

with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Resources", "Data", "openapi.json"), "w", encoding="utf-8") as f:
    json.dump(doc, f, ensure_ascii=False, indent=2)
    f.write("\n")
