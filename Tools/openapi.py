#!/usr/bin/env python3
"""Writes Resources/Data/openapi.json, the OpenAPI 3.1 document of /api/v1. Edit here, run, commit the output;
DocumentTests checks that it lists exactly the routes the app registers."""
import json, os

def ref(name): return {"$ref": f"#/components/schemas/{name}"}
def arr(s): return {"type": "array", "items": s}
S = {"type": "string"}; I = {"type": "integer"}; B = {"type": "boolean"}
D = {"type": "string", "format": "date"}; DT = {"type": "string", "format": "date-time"}; U = {"type": "string", "format": "uuid"}
def obj(props, required=()): return {"type": "object", "properties": props, **({"required": list(required)} if required else {})}
def nullable(s): return {"anyOf": [s, {"type": "null"}]}
def listof(name): return obj({"items": arr(ref(name)), "total": I, "next": nullable(S)}, ["items", "total", "next"])

schemas = {
 "Tier": {"type": "string", "enum": ["province", "district", "commune", "hamlet"]},
 "UnitKind": {"type": "string", "enum": ["tinh","thanh_pho_tw","quan","huyen","thi_xa","thanh_pho","thanh_pho_thuoc_tp","xa","phuong","thi_tran","dac_khu","thon","ap","ban","lang","xom","buon","plei","soc","khu_pho","to_dan_pho","khom","khu_dan_cu"]},
 "Role": {"type": "string", "enum": ["admin","province","commune","leader","member","viewer"]},
 "Gender": {"type": "string", "enum": ["male","female","other"]},
 "TeamRole": {"type": "string", "enum": ["leader","deputy","member"]},
 "Affiliation": {"type": "string", "enum": ["hamlet_head","youth_union","womens_union","farmers_union","veterans","fatherland_front","party_cell","police","teacher","post_telecom","other"]},
 "Unit": obj({"id": U, "code": S, "tier": ref("Tier"), "kind": ref("UnitKind"), "name": S, "shortName": S, "nameEn": S,
              "parentCode": S, "validFrom": D, "validTo": D, "demo": B}, ["id","code","tier","kind","name","shortName","nameEn","demo"]),
 "UnitList": listof("Unit"),
 "LineageLink": obj({"date": D, "share": {"type": "string", "enum": ["full","partial"]}, "unit": ref("Unit")}, ["date","share","unit"]),
 "Lineage": obj({"unit": ref("Unit"), "predecessors": arr(ref("LineageLink")), "successors": arr(ref("LineageLink"))}, ["unit","predecessors","successors"]),
 "CreateHamlet": obj({"parentCode": S, "name": S, "kind": ref("UnitKind"), "validFrom": D}, ["parentCode","name"]),
 "UnitRef": obj({"code": S, "name": S, "tier": ref("Tier")}, ["code","name","tier"]),
 "Finding": obj({"code": {"type": "string", "enum": ["too_few_members","too_many_members","no_leader","several_leaders","no_deputy","leader_not_hamlet_head"]}, "message": S}, ["code","message"]),
 "Member": obj({"membershipId": U, "memberId": U, "fullName": S, "phone": S, "gender": ref("Gender"), "birthYear": I, "role": ref("TeamRole"),
                "affiliations": arr(ref("Affiliation")), "from": D, "to": D, "endReason": S},
               ["membershipId","memberId","fullName","phone","gender","birthYear","role","affiliations","from"]),
 "HistoryEntry": obj({"date": D, "kind": {"type": "string", "enum": ["founded","consolidated","dissolved","joined","left"]}, "text": S}, ["date","kind","text"]),
 "Team": obj({"id": U, "name": S, "unit": ref("UnitRef"), "decision": obj({"number": S, "date": D, "signer": S}, ["number","date","signer"]),
              "status": {"type": "string", "enum": ["active","dissolved"]}, "compliant": B, "compliance": arr(ref("Finding")),
              "memberCount": I, "demo": B, "members": arr(ref("Member")), "history": arr(ref("HistoryEntry"))},
             ["id","name","unit","decision","status","compliant","compliance","memberCount","demo"]),
 "TeamList": listof("Team"),
 "CreateTeam": obj({"unit": S, "name": S, "decisionNumber": S, "decisionDate": D, "decisionSigner": S}, ["unit","decisionNumber","decisionDate","decisionSigner"]),
 "UpdateTeam": obj({"name": S, "status": {"type": "string", "enum": ["active","dissolved"]}, "date": D}),
 "Consolidation": obj({"decisionNumber": S, "decisionDate": D, "decisionSigner": S, "note": S}, ["decisionNumber","decisionDate","decisionSigner"]),
 "AddMember": obj({"fullName": S, "phone": S, "gender": ref("Gender"), "birthYear": I, "role": ref("TeamRole"), "affiliations": arr(ref("Affiliation")), "from": D},
                  ["fullName","phone","gender","birthYear","role"]),
 "EndMembership": obj({"date": D, "reason": S}),
 "CompositionPolicy": obj({"province": ref("UnitRef"), "own": B, "minimumMembers": I, "maximumMembersHamlet": I, "maximumMembersCommune": I, "leaderMustBeHamletHead": B},
                          ["province","own","minimumMembers","leaderMustBeHamletHead"]),
 "SetCompositionPolicy": obj({"minimumMembers": I, "maximumMembersHamlet": I, "maximumMembersCommune": I, "leaderMustBeHamletHead": B}),
 "ImportResult": obj({"teams": I, "members": I, "hamletsCreated": I}, ["teams","members","hamletsCreated"]),
 "Login": obj({"login": S, "password": S}, ["login","password"]),
 "Token": obj({"token": S, "expiresAt": DT}, ["token","expiresAt"]),
 "User": obj({"id": U, "login": S, "displayName": S, "role": ref("Role"), "scope": ref("UnitRef"), "disabled": B}, ["id","login","displayName","role","disabled"]),
 "UserList": listof("User"),
 "CreateUser": obj({"login": S, "password": S, "displayName": S, "role": ref("Role"), "scope": S}, ["login","password","role"]),
 "AuditEntry": obj({"id": U, "at": DT, "actor": S, "action": S, "entity": S, "entityId": S, "summary": S, "before": S, "after": S},
                   ["id","at","actor","action","entity","entityId","summary","before","after"]),
 "AuditList": listof("AuditEntry"),
 "Problem": obj({"type": S, "title": S, "status": I, "detail": S,
                 "errors": arr(obj({"field": S, "code": S, "message": S}, ["field","code","message"])),
                 "rows": arr(obj({"row": I, "column": S, "message": S}, ["row","column","message"]))}, ["type","title","status"]),
}

def problem(desc): return {"description": desc, "content": {"application/problem+json": {"schema": ref("Problem")}}}
def ok(schema, status="200", desc="OK"): return {status: {"description": desc, "content": {"application/json": {"schema": schema}}}}
def body(name): return {"required": True, "content": {"application/json": {"schema": ref(name)}}}
def q(name, schema, desc): return {"name": name, "in": "query", "required": False, "schema": schema, "description": desc}
def p(name): return {"name": name, "in": "path", "required": True, "schema": S}
ASOF = q("asOf", D, "The date the hierarchy is seen at (default: today)")
PAGE = [q("limit", {"type": "integer", "minimum": 1, "maximum": 1000}, "Page size (default 100)"), q("cursor", S, "The `next` of the previous page")]

def op(opid, summary, responses, params=(), request=None, errors=(401,), public=False):
    o = {"operationId": opid, "summary": summary, "responses": dict(responses)}
    if params: o["parameters"] = list(params)
    if request: o["requestBody"] = request
    names = {401: "Not signed in", 403: "Not allowed for this account or outside its scope", 404: "Not found in the account's scope",
             409: "Conflicts with existing data", 422: "Invalid input; `errors` names each field"}
    for e in errors: o["responses"][str(e)] = problem(names[e])
    if public: o["security"] = []
    return o

paths = {
 "/openapi.json": {"get": op("openapi", "This document", {"200": {"description": "The OpenAPI document", "content": {"application/json": {"schema": {"type": "object"}}}}}, errors=(), public=True)},
 "/auth/login": {"post": op("login", "Sign in and get a bearer token", ok(ref("Token")), request=body("Login"), errors=(401, 422), public=True)},
 "/me": {"get": op("me", "The signed-in account", ok(ref("User")))},
 "/units": {
   "get": op("listUnits", "Administrative units as of a date", ok(ref("UnitList")),
             [q("tier", ref("Tier"), "Only this tier"), q("parent", S, "Children of the unit with this code"),
              q("q", S, "Search ignoring diacritics and tone placement"), ASOF] + PAGE, errors=(401, 404, 422)),
   "post": op("createHamlet", "Create a hamlet (thôn, tổ dân phố…) in a commune", ok(ref("Unit"), "201", "Created"), request=body("CreateHamlet"), errors=(401, 403, 409, 422))},
 "/units/{code}": {"get": op("showUnit", "One unit", ok(ref("Unit")), [p("code"), ASOF], errors=(401, 404, 422))},
 "/units/{code}/lineage": {"get": op("unitLineage", "The units a unit was made from and went into", ok(ref("Lineage")), [p("code"), ASOF], errors=(401, 404, 422))},
 "/units/{code}/composition-policy": {
   "get": op("showCompositionPolicy", "A province's composition rules", ok(ref("CompositionPolicy")), [p("code")], errors=(401, 403, 404, 422)),
   "put": op("setCompositionPolicy", "Set a province's composition rules (re-checks its teams)", ok(ref("CompositionPolicy")), [p("code")], body("SetCompositionPolicy"), errors=(401, 403, 404, 422))},
 "/units/{code}/team-imports": {"post": op("importTeams", "Import a commune's teams and members from .xlsx or .csv; nothing is written unless every row is valid",
   ok(ref("ImportResult"), "201", "Imported"), [p("code")],
   {"required": True, "content": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string", "format": "binary"}},
                                  "text/csv": {"schema": {"type": "string"}}}}, errors=(401, 403, 404, 422))},
 "/team-imports/template.xlsx": {"get": op("importTemplate", "The import template", {"200": {"description": "The workbook",
   "content": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string", "format": "binary"}}}}})},
 "/teams": {
   "get": op("listTeams", "Teams (Tổ CNSCĐ) in the account's scope", ok(ref("TeamList")),
             [q("unit", S, "Under the unit with this code"), q("compliant", B, "Only teams that do (true) or do not (false) meet the composition rules"),
              q("status", {"type": "string", "enum": ["active","dissolved"]}, "Only this status"), ASOF] + PAGE, errors=(401, 403, 404, 422)),
   "post": op("foundTeam", "Found a team for a hamlet or commune", ok(ref("Team"), "201", "Founded"), request=body("CreateTeam"), errors=(401, 403, 409, 422))},
 "/teams/{id}": {
   "get": op("showTeam", "A team with its members, history and findings", ok(ref("Team")), [p("id")], errors=(401, 404)),
   "patch": op("updateTeam", "Rename or dissolve a team", ok(ref("Team")), [p("id")], body("UpdateTeam"), errors=(401, 403, 404, 422))},
 "/teams/{id}/consolidations": {"post": op("consolidateTeam", "Record a consolidation (kiện toàn) decision", ok(ref("Team"), "201", "Recorded"), [p("id")], body("Consolidation"), errors=(401, 403, 404, 422))},
 "/teams/{id}/members": {"post": op("addMember", "Add a member to a team", ok(ref("Member"), "201", "Added"), [p("id")], body("AddMember"), errors=(401, 403, 404, 409, 422))},
 "/memberships/{id}/end": {"post": op("endMembership", "End a membership", ok(ref("Member")), [p("id")], body("EndMembership"), errors=(401, 403, 404, 422))},
 "/users": {
   "get": op("listUsers", "Accounts in the account's scope", ok(ref("UserList")), PAGE, errors=(401, 403, 422)),
   "post": op("createUser", "Create an account with a role and a scope unit", ok(ref("User"), "201", "Created"), request=body("CreateUser"), errors=(401, 403, 409, 422))},
 "/audit": {"get": op("listAudit", "The audit trail of the account's scope, newest first", ok(ref("AuditList")),
                      [q("entity", S, "Only this entity (unit, team, member, membership, user…)"), q("entityId", S, "Only this entity id")] + PAGE, errors=(401, 403, 422))},
}

doc = {
 "openapi": "3.1.0",
 "info": {"title": "Lan Tỏa API", "version": "1.0.0",
          "description": "The API of Lan Tỏa, which runs Vietnam's community digital technology teams (Tổ công nghệ số cộng đồng, Tổ CNSCĐ): "
                         "administrative units with their 2025 reorganisation, teams, members and accounts. Every account has a role and a scope unit "
                         "and sees only that subtree (404 outside it for reads, 403 for writes). Errors are application/problem+json (RFC 9457) "
                         "and name the offending field. Dates are ISO 8601; codes are strings."},
 "servers": [{"url": "/api/v1"}],
 "security": [{"bearer": []}],
 "paths": paths,
 "components": {"schemas": schemas, "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
}
out = os.path.join(os.path.dirname(__file__), "..", "Resources", "Data", "openapi.json")
with open(out, "w", encoding="utf-8") as f:
    json.dump(doc, f, ensure_ascii=False, indent=1)
    f.write("\n")
print("wrote", out)
